#!/usr/bin/env python3
"""A Python reimplementation of CooRTweet's coordination rule (R package
CooRTweet 2.1.x, MIT): ``prep_data`` -> ``detect_groups`` ->
``generate_coordinated_network``, as used in the package's vignette
``reproduce_examples.Rmd`` on the ``german_elections`` data.

What the R code does (data.table branch of R/detect_groups.R and
R/calc_group_combinations.R, R/generate_coordinated_network.R), step by step,
and what this file reproduces:

1. Input rows: one per (object_id, account_id, content_id, timestamp_share),
   de-duplicated with ``unique()`` and rows with NA object dropped (vignette).
2. Pre-filter: keep accounts with at least ``min_participation`` input rows
   (rows, i.e. object-level shares, not posts).
3. Per object: every unordered pair of rows with |t_i - t_j| <= time_window
   (inclusive).
4. Remove loops: content_id == content_id_y, account_id == account_id_y.
5. ``filter_min_participation``: content_ids = every post that appears on
   either side of a surviving pair; an account "participates" if at least
   ``min_participation`` of its (pre-filtered) input rows have a content_id in
   that set. A pair row is kept if EITHER of its two accounts participates
   (``content_id %in% filt$content_id | content_id_y %in% filt$content_id``).
6. Orientation: older post becomes content_id, time_delta = |dt|.
7. ``generate_coordinated_network``: unordered account pair -> weight = number
   of pair rows (.N, i.e. object-level co-shares), avg_time_delta,
   n_content_id = uniqueN(content_id) (the OLDER posts of the pair rows, since
   accounts are re-ordered with pmin/pmax but content ids are not),
   n_content_id_y, edge_symmetry_score = min/max of those two;
   weight_threshold = weight > quantile(weight, edge_weight) (R type 7 =
   numpy 'linear'); subgraph=1 keeps only edges with weight_threshold == 1.

Usage:  python coortweet_rule.py [--data PATH] [--out DIR] [--selftest]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import pandas as pd

DATA = os.environ.get(
    "GERMAN_DATA",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data/coortweet/german_elections.csv.gz"),
)
OBJECT_COLS = ["url_id", "hashtag_id", "domain_id", "phash_id"]
# prefixes exactly as in vignettes/reproduce_examples.Rmd (domains get "url_"
# there too; it does not matter because each type is detected separately)
PREFIX = {"url_id": "url_", "domain_id": "url_", "hashtag_id": "hashtag_", "phash_id": "hash_"}


def load(path: str = DATA) -> pd.DataFrame:
    d = pd.read_csv(path, dtype={"account_id": str})
    return d


def prep_data(d: pd.DataFrame, object_col: str, prefix: str | None = None) -> pd.DataFrame:
    """prep_data + unique(by 4 cols) + drop NA objects + prefix, as the vignette."""
    x = d[[object_col, "account_id", "post_id", "timestamp"]].rename(
        columns={object_col: "object_id", "post_id": "content_id", "timestamp": "timestamp_share"}
    )
    x = x.drop_duplicates(["object_id", "account_id", "content_id", "timestamp_share"])
    x = x[x["object_id"].notna()].copy()
    # ids are floats in the CSV because of NA; render as integers
    x["object_id"] = (prefix if prefix is not None else PREFIX.get(object_col, "")) + x["object_id"].astype(np.int64).astype(str)
    x["content_id"] = x["content_id"].astype("Int64").astype(str)
    x["timestamp_share"] = x["timestamp_share"].astype(np.int64)
    return x.reset_index(drop=True)


def _pairs_within_window(x: pd.DataFrame, time_window: int) -> pd.DataFrame:
    """All unordered pairs of rows of the same object with |dt| <= time_window."""
    if len(x) == 0:
        return pd.DataFrame(columns=["i", "j"])
    obj_codes, _ = pd.factorize(x["object_id"])
    ts = x["timestamp_share"].to_numpy(np.int64)
    order = np.lexsort((ts, obj_codes))
    oc = obj_codes[order].astype(np.int64)
    t = ts[order]
    span = int(t.max() - t.min()) + 2 * time_window + 10
    key = oc * span + (t - t.min())
    end = np.searchsorted(key, key + time_window, side="right")
    n = end - np.arange(len(key)) - 1
    i_sorted = np.repeat(np.arange(len(key)), n)
    # offsets 1..n[k] for each k
    starts = np.cumsum(n) - n
    off = np.arange(n.sum()) - np.repeat(starts, n) + 1
    j_sorted = i_sorted + off
    return pd.DataFrame({"i": order[i_sorted], "j": order[j_sorted]})


def detect_groups(x: pd.DataFrame, time_window: int = 10, min_participation: int = 2,
                  remove_loops: bool = True) -> pd.DataFrame:
    """Port of CooRTweet::detect_groups (data.table branch)."""
    x = x.copy()
    # 2. pre-filter on number of input rows per account
    cnt = x.groupby("account_id")["account_id"].transform("size")
    x = x[cnt >= min_participation].reset_index(drop=True)
    # 3. pairs
    p = _pairs_within_window(x, time_window)
    a, b = p["i"].to_numpy(), p["j"].to_numpy()
    res = pd.DataFrame({
        "object_id": x["object_id"].to_numpy()[a],
        "content_id": x["content_id"].to_numpy()[a],
        "content_id_y": x["content_id"].to_numpy()[b],
        "time_delta": x["timestamp_share"].to_numpy()[a] - x["timestamp_share"].to_numpy()[b],
        "account_id": x["account_id"].to_numpy()[a],
        "account_id_y": x["account_id"].to_numpy()[b],
    })
    # 4. loops
    if remove_loops:
        res = res[(res.object_id != res.content_id) & (res.object_id != res.content_id_y)]
        res = res[res.content_id != res.content_id_y]
        res = res[res.account_id != res.account_id_y]
    # 5. filter_min_participation (account level, OR over the two sides)
    if min_participation >= 1 and len(res):
        content_ids = pd.unique(np.concatenate([res.content_id.to_numpy(), res.content_id_y.to_numpy()]))
        xin = x[x.content_id.isin(content_ids)]
        n_acc = xin.groupby("account_id").size()
        passing = set(n_acc[n_acc >= min_participation].index)
        filt_content = set(xin.loc[xin.account_id.isin(passing), "content_id"])
        res = res[res.content_id.isin(filt_content) | res.content_id_y.isin(filt_content)]
    # 6. orientation
    res = res.copy()
    sw = res.time_delta > 0
    for c1, c2 in (("content_id", "content_id_y"), ("account_id", "account_id_y")):
        v1, v2 = res.loc[sw, c1].to_numpy(), res.loc[sw, c2].to_numpy()
        res.loc[sw, c1], res.loc[sw, c2] = v2, v1
    res["time_delta"] = res["time_delta"].abs()
    return res.reset_index(drop=True)


def generate_coordinated_network(res: pd.DataFrame, edge_weight: float = 0.5) -> pd.DataFrame:
    """Port of CooRTweet::generate_coordinated_network (fast_net=FALSE), as an edge table.

    Also adds n_post_pairs = number of distinct unordered (post, post) pairs behind the
    edge (not a CooRTweet attribute; used to tell objects from acts).
    """
    cols = ["account_id", "account_id_y", "weight", "n_post_pairs", "avg_time_delta",
            "n_content_id", "n_content_id_y", "edge_symmetry_score", "weight_threshold"]
    if len(res) == 0:
        return pd.DataFrame(columns=cols)
    r = res.copy()
    a = np.minimum(r.account_id.to_numpy(), r.account_id_y.to_numpy())
    b = np.maximum(r.account_id.to_numpy(), r.account_id_y.to_numpy())
    r["account_id"], r["account_id_y"] = a, b
    pa = np.minimum(r.content_id.to_numpy(), r.content_id_y.to_numpy())
    pb = np.maximum(r.content_id.to_numpy(), r.content_id_y.to_numpy())
    r["post_pair"] = pd.Series(pa).str.cat(pd.Series(pb), sep="|").to_numpy()
    g = r.groupby(["account_id", "account_id_y"], sort=True)
    e = g.agg(weight=("object_id", "size"), n_post_pairs=("post_pair", "nunique"),
              avg_time_delta=("time_delta", "mean"), n_content_id=("content_id", "nunique"),
              n_content_id_y=("content_id_y", "nunique")).reset_index()
    e["edge_symmetry_score"] = np.minimum(e.n_content_id, e.n_content_id_y) / np.maximum(e.n_content_id, e.n_content_id_y)
    thr = float(np.quantile(e.weight.to_numpy(), edge_weight))  # R quantile type 7
    e["weight_threshold"] = (e.weight > thr).astype(int)
    e.attrs["threshold"] = thr
    return e[cols]


def participation(res: pd.DataFrame, x: pd.DataFrame) -> pd.Series:
    """Per account: number of its input rows whose post is in a coordinated pair (step 5 count)."""
    content_ids = set(res.content_id) | set(res.content_id_y)
    xin = x[x.content_id.isin(content_ids)]
    return xin.groupby("account_id").size()


def _accounts(e: pd.DataFrame) -> list:
    return sorted(set(e.account_id) | set(e.account_id_y))


def summarise(name, params, res, e, x_for_participation=None, subgraph_q=None):
    accounts = _accounts(e)
    out = {
        "params": params,
        "counts": {
            "coordinated_share_rows": int(len(res)),
            "accounts": len(accounts),
            "accounts_fb": sum(a.startswith("fb_") for a in accounts),
            "accounts_tw": sum(a.startswith("tw_") for a in accounts),
            "edges": int(len(e)),
            "edges_weight_ge_2": int((e.weight >= 2).sum()) if len(e) else 0,
            "accounts_in_edges_weight_ge_2": len(_accounts(e[e.weight >= 2])) if len(e) else 0,
            "edges_n_post_pairs_ge_2": int((e.n_post_pairs >= 2).sum()) if len(e) else 0,
            "accounts_in_edges_n_post_pairs_ge_2": len(_accounts(e[e.n_post_pairs >= 2])) if len(e) else 0,
            "objects": int(res.object_id.nunique()) if len(res) else 0,
            "posts": int(len(set(res.content_id) | set(res.content_id_y))) if len(res) else 0,
        },
    }
    if x_for_participation is not None and len(res):
        part = participation(res, x_for_participation)
        mp = params["min_participation"]
        out["counts"]["accounts_meeting_min_participation_themselves"] = int(
            sum(1 for a in accounts if part.get(a, 0) >= mp))
    for q in (subgraph_q or []):
        if len(e):
            thr = float(np.quantile(e.weight.to_numpy(), q))
            sub = e[e.weight > thr]
        else:
            thr, sub = None, e
        out["counts"][f"subgraph_edge_weight_q{q}"] = {
            "threshold_weight_gt": thr, "edges": int(len(sub)), "accounts": len(_accounts(sub))}
    out["accounts"] = accounts
    out["edges"] = [[r.account_id, r.account_id_y, int(r.weight), int(r.n_post_pairs)] for r in e.itertuples()]
    out["edge_columns"] = ["account_a", "account_b", "weight (CooRTweet .N = object-level co-share rows)",
                           "n_distinct_post_pairs"]
    out["edge_attrs"] = {  # CooRTweet's own extra edge attributes, same order as edges
        "avg_time_delta": [round(float(v), 3) for v in e.avg_time_delta],
        "n_content_id": [int(v) for v in e.n_content_id],
        "n_content_id_y": [int(v) for v in e.n_content_id_y],
        "edge_symmetry_score": [round(float(v), 4) for v in e.edge_symmetry_score],
    }
    return out


def run_all(d: pd.DataFrame, outdir: str, time_window=30, min_participation=2):
    summary = {}
    results, xs = {}, {}
    for col in OBJECT_COLS:
        t0 = time.time()
        x = prep_data(d, col)
        res = detect_groups(x, time_window=time_window, min_participation=min_participation)
        params = {"object": col, "time_window": time_window, "min_participation": min_participation,
                  "remove_loops": True, "edge_weight_quantile_for_weight_threshold": 0.5,
                  "source": "CooRTweet detect_groups + generate_coordinated_network (reimplemented)"}
        out = _network_summary(col, params, res, x)
        out["params"]["seconds"] = round(time.time() - t0, 2)
        _save(outdir, col.replace("_id", ""), out, summary)
        results[col], xs[col] = res, x
    # all together, the vignette's way: detect per type, rbindlist, one network
    res_all = pd.concat([results[c] for c in OBJECT_COLS], ignore_index=True)
    params = {"object": "all (url, hashtag, domain, phash detected separately, results rbind-ed)",
              "time_window": time_window, "min_participation": min_participation,
              "source": "vignettes/reproduce_examples.Rmd combined_results"}
    _save(outdir, "all", _network_summary("all", params, res_all, None), summary)
    # variant: one detect_groups over the pooled object rows (min_participation then
    # counts object rows of any type, so one post with url+domain+hashtag counts 3)
    x_pool = pd.concat([prep_data(d, c, prefix=c.replace("_id", "") + "_") for c in OBJECT_COLS], ignore_index=True)
    res_pool = detect_groups(x_pool, time_window=time_window, min_participation=min_participation)
    params = {"object": "all_pooled (one detect_groups over all object rows, distinct prefixes)",
              "time_window": time_window, "min_participation": min_participation,
              "source": "variant, not in the vignette"}
    _save(outdir, "all_pooled", _network_summary("all_pooled", params, res_pool, x_pool), summary)
    return summary


def _network_summary(col, params, res, x):
    """The summary of the coordinated network of detect_groups result `res`."""
    e = generate_coordinated_network(res)
    return summarise(col, params, res, e, x, subgraph_q=[0.25, 0.5])


def _save(outdir, name, out, summary):
    """Writes `out` as coortweet_{name}.json in `outdir` and records its counts in `summary`."""
    with open(os.path.join(outdir, f"coortweet_{name}.json"), "w") as f:
        json.dump(out, f)
    summary[name] = out["counts"]


def selftest():
    """Tiny hand-checked cases of the R semantics."""
    def mk(rows):
        return pd.DataFrame(rows, columns=["object_id", "account_id", "content_id", "timestamp_share"])
    # A,B co-share u1 once; A also co-shares u2 with C. A participates (2 posts), B, C do not,
    # but both edges survive because of the OR rule.
    x = mk([["u1", "A", "p1", 0], ["u1", "B", "p2", 10], ["u2", "A", "p3", 100], ["u2", "C", "p4", 130],
            ["u9", "B", "p5", 5000], ["u8", "C", "p6", 9000]])
    r = detect_groups(x, 30, 2)
    e = generate_coordinated_network(r)
    assert sorted(map(tuple, e[["account_id", "account_id_y"]].values)) == [("A", "B"), ("A", "C")], e
    # window is inclusive: 30 s apart counts, 31 does not
    x = mk([["u1", "A", "p1", 0], ["u1", "B", "p2", 30], ["u2", "A", "p3", 100], ["u2", "B", "p4", 131]])
    e = generate_coordinated_network(detect_groups(x, 30, 2))
    assert len(e) == 0, e  # only one co-share: neither A nor B reaches 2 -> nothing
    x = mk([["u1", "A", "p1", 0], ["u1", "B", "p2", 30], ["u2", "A", "p3", 100], ["u2", "B", "p4", 130]])
    e = generate_coordinated_network(detect_groups(x, 30, 2))
    assert e.weight.tolist() == [2] and e.n_post_pairs.tolist() == [2]
    # pre-filter counts rows: an account with a single row is dropped before pairing
    x = mk([["u1", "A", "p1", 0], ["u1", "B", "p2", 5], ["u2", "A", "p3", 100], ["u2", "B", "p4", 105],
            ["u1", "Z", "p9", 3]])
    e = generate_coordinated_network(detect_groups(x, 30, 2))
    assert _accounts(e) == ["A", "B"]
    # pooled objects: one act with url+domain = 2 rows -> participation 2 -> flagged, weight 2
    x = mk([["url_1", "A", "p1", 0], ["dom_1", "A", "p1", 0], ["url_1", "B", "p2", 5], ["dom_1", "B", "p2", 5]])
    e = generate_coordinated_network(detect_groups(x, 30, 2))
    assert e.weight.tolist() == [2] and e.n_post_pairs.tolist() == [1]
    print("selftest ok")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--time_window", type=int, default=30)
    ap.add_argument("--min_participation", type=int, default=2)
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args(argv)
    selftest()
    if a.selftest:
        return
    d = load(a.data)
    t0 = time.time()
    s = run_all(d, a.out, a.time_window, a.min_participation)
    print(json.dumps(s, indent=1))
    print(f"total {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
