#!/usr/bin/env python3
"""Skydas against CooRTweet's rule and the coordination-network-toolkit on CooRTweet's German
election data: accounts flagged by each, their overlap, and every account on which they
disagree sorted into a class that says why.

    python3 compare.py WORK_DIR DATA_CSV_GZ

WORK_DIR holds what run.sh wrote: coortweet_{url,domain,hashtag,phash,all}.json (the rule),
toolkit_url.json and toolkit_all.json (the toolkit's co_link), skydas_default.json and
skydas_study.json (skydas scan --json, default settings and the study's 30 s window).
"""
import collections
import json
import os
import sys

import pandas as pd

work, data = sys.argv[1], sys.argv[2]


def load(name):
    with open(os.path.join(work, name)) as f:
        return json.load(f)


def skydas(name):
    doc = load(name)
    accounts, edges, modes = set(), {}, {}
    for f in doc["findings"]:
        if f["kind"] != "coordination":
            continue
        ids = [a["id"] for a in f["actors"]]
        accounts.update(ids)
        for a in ids:
            modes[a] = f["params"].get("mode", "fast")
        for e in f["edges"]:
            a = e["a"].split(":", 1)[-1]
            b = e["b"].split(":", 1)[-1]
            gaps = [abs(p["gap_s"]) for p in e["pairs"]]
            edges[tuple(sorted((a, b)))] = {"acts": e.get("acts"), "max_gap": max(gaps or [0])}
    return accounts, edges, modes


rule = {k: load(f"coortweet_{k}.json") for k in ["url", "domain", "hashtag", "phash", "all"]}
toolkit = {k: load(f"toolkit_{k}.json") for k in ["url", "all"]}
ours = {k: skydas(f"skydas_{k}.json") for k in ["default", "study"]}

# Distinct accounts per object, over the whole data set: how popular each object is.
d = pd.read_csv(data, dtype={"account_id": str})
d = d[d.post_id.notna()].drop_duplicates()
audience = {}
for col in ["url_id", "domain_id", "hashtag_id", "phash_id"]:
    s = d[d[col].notna()].groupby(col).account_id.nunique()
    audience[col] = s.to_dict()
posts_per_account = d.groupby("account_id").post_id.nunique().to_dict()
n_accounts = d.account_id.nunique()


def rule_sets(r, min_weight=1):
    edges = [e for e in r["edges"] if e[2] >= min_weight]
    acc = set()
    for a, b, *_ in edges:
        acc.update((a, b))
    return acc, edges


refs = {
    "CooRTweet url_id, full output": rule_sets(rule["url"]),
    "CooRTweet url_id, weight >= 2 (vignette subgraph)": rule_sets(rule["url"], 2),
    "CooRTweet all objects, full output": rule_sets(rule["all"]),
    "CooRTweet all objects, weight >= 2": rule_sets(rule["all"], 2),
    "toolkit co_link, URLs, 30 s, min weight 2": (set(toolkit["url"]["accounts"]), []),
    "toolkit co_link, all objects, 30 s, min weight 2": (set(toolkit["all"]["accounts"]), []),
}

print("## Accounts flagged\n")
print("| tool and setting | accounts | fb | tw |")
print("|---|---|---|---|")
for name, (acc, _) in refs.items():
    print(f"| {name} | {len(acc)} | {sum(a.startswith('fb_') for a in acc)} | {sum(a.startswith('tw_') for a in acc)} |")
for k, label in [("default", "Skydas, default settings (60 s, slow chains 30 min, FDR 0.01)"),
                 ("study", "Skydas, --window 30 (the study's window)")]:
    acc = ours[k][0]
    print(f"| {label} | {len(acc)} | {sum(a.startswith('fb_') for a in acc)} | {sum(a.startswith('tw_') for a in acc)} |")

print("\n## Overlap (accounts)\n")
print("| Skydas | reference | both | only Skydas | only reference | Jaccard |")
print("|---|---|---|---|---|---|")
for k in ["default", "study"]:
    acc = ours[k][0]
    for name, (ref, _) in refs.items():
        both = acc & ref
        j = len(both) / max(1, len(acc | ref))
        print(f"| {k} | {name} | {len(both)} | {len(acc - ref)} | {len(ref - acc)} | {j:.3f} |")

# Why the reference flags an account Skydas does not. The reference: CooRTweet over all object
# types, every edge of its full output (what an analyst would get from the published rule).
ref_edges = rule["all"]["edges"]
by_account = collections.defaultdict(list)
for a, b, w, pp in ref_edges:
    by_account[a].append((b, w, pp))
    by_account[b].append((a, w, pp))
multi = [(a, b) for a, b, w, pp in ref_edges if pp >= 2]
graph = collections.defaultdict(set)
for a, b in multi:
    graph[a].add(b)
    graph[b].add(a)


def component(a):
    seen, todo = {a}, [a]
    while todo:
        x = todo.pop()
        for y in graph[x]:
            if y not in seen:
                seen.add(y)
                todo.append(y)
    return seen


def classify_missed(acc, ours_acc):
    classes = collections.Counter()
    examples = collections.defaultdict(list)
    for a in sorted(acc - ours_acc):
        edges = by_account[a]
        if all(pp < 2 for _, _, pp in edges):
            c = "rests on one act: every edge is a single pair of posts (Skydas needs two acts)"
        else:
            comp = component(a)
            if len(comp) < 3 and all(pp < 10 for _, _, pp in edges):
                c = "a lone pair of fewer than 10 acts (Skydas reports pairs outside a community from 10 acts)"
            else:
                heavy = posts_per_account.get(a, 0)
                if heavy >= 50:
                    c = "a heavy poster whose co-shares its own volume explains (not significant under the null model)"
                else:
                    c = "co-shares the null model finds likely by chance (popular objects, FDR 0.01)"
        classes[c] += 1
        if len(examples[c]) < 3:
            examples[c].append(a)
    return classes, examples


def classify_extra(k, ref):
    acc, edges, modes = ours[k]
    classes = collections.Counter()
    for a in sorted(acc - ref):
        mine = [v for (x, y), v in edges.items() if a in (x, y)]
        if modes.get(a) == "slow":
            c = "slow mode: acted together in chains up to 30 min apart, beyond any 30 s window"
        elif mine and min(v["max_gap"] for v in mine) > 30:
            c = "acted together within 31-60 s, beyond the study's 30 s window"
        elif a in by_account:
            c = "in the rule's output below its weight cut, or in a community through its partners"
        else:
            c = "shares keys the rule does not pair (hashtag bursts, reposts of one source)"
        classes[c] += 1
    return classes


print("\n## Flagged by CooRTweet (all objects, full output) and not by Skydas\n")
ref_acc = refs["CooRTweet all objects, full output"][0]
for k in ["default", "study"]:
    classes, ex = classify_missed(ref_acc, ours[k][0])
    print(f"Skydas {k}: {sum(classes.values())} accounts\n")
    print("| class | accounts | examples |")
    print("|---|---|---|")
    for c, n in classes.most_common():
        print(f"| {c} | {n} | {', '.join(ex[c])} |")
    print()

print("## Flagged by Skydas and not by CooRTweet (all objects, full output)\n")
for k in ["default", "study"]:
    classes = classify_extra(k, ref_acc)
    print(f"Skydas {k}: {sum(classes.values())} accounts\n")
    print("| class | accounts |")
    print("|---|---|")
    for c, n in classes.most_common():
        print(f"| {c} | {n} |")
    print()

# The regression the issue names: findings that rest on a single act.
for k in ["default", "study"]:
    single = sum(1 for e in ours[k][1].values() if (e["acts"] or 0) < 2)
    print(f"Skydas {k}: {len(ours[k][1])} reported edges, {single} resting on fewer than two acts")
print(f"\n({n_accounts} accounts in the data)")
