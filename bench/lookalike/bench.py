#!/usr/bin/env python3
"""Compares dnstwist's forward permutations with Skydas's reverse matcher on the clone test set.

dnstwist is driven through its Python API (the same code path as `dnstwist --format list`,
which returns before any DNS lookup), once per protected domain, with
  default: all fuzzers, no dictionaries;
  extended: all fuzzers plus --tld (cheap TLDs) and --dictionary (news words).
Coverage = fraction of the test set's clone domains present in the union of permutations.
Skydas: recall on the same clone domains and false alarms on the benign ones, from the
`lookalike_eval` example's `--list` output.

REAL=1 runs the same comparison on the real clone set instead (`data/real_clones.csv`, from
public indicator files): dnstwist permutes the clones' targets (`data/real_targets.csv`), its
extended run with every TLD that `data/tld_risk.csv` calls risky; Skydas is measured by
`lookalike_eval --real` (the same targets added to its protected set).
"""
import csv, os, subprocess, sys, time

import dnstwist

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "crates", "skydas-detect", "data")
EVAL = sys.argv[1]  # path to the release lookalike_eval binary
LIMIT = int(os.environ.get("BENCH_LIMIT", "0"))  # 0 = every protected domain
REAL = os.environ.get("REAL") == "1"

CHEAP_TLDS = ("ltd pm ws life cfd top online site xyz info news live today click icu buzz fun club "
              "press media space website world store shop link pw cc biz pro vip work rest bond sbs "
              "one best uno cyou win tech network digital blog me ink wiki fyi report agency center "
              "group global io co ru in asia eu.com co.com us.com uk.com de.com").split()
WORDS = ("news info today online live now daily 24 tv press media world europe eu lt lv ee pl fi ua "
         "de fr uk us en ru official web portal latest breaking new the my real").split()


def load():
    protected = []
    with open(os.path.join(DATA, "protected.csv")) as f:
        for row in csv.DictReader(f):
            protected.append(row["domain"])
    clones, benign = [], []
    with open(os.path.join(DATA, "lookalike_testset.csv")) as f:
        for row in csv.DictReader(f):
            (clones if row["label"] == "clone" else benign).append(row["domain"])
    return protected, clones, benign


def load_real():
    with open(os.path.join(DATA, "real_targets.csv")) as f:
        protected = [r["domain"] for r in csv.DictReader(f)]
    with open(os.path.join(DATA, "real_clones.csv")) as f:
        clones = [r["domain"] for r in csv.DictReader(f)]
    benign = []
    with open(os.path.join(DATA, "lookalike_testset.csv")) as f:
        benign = [r["domain"] for r in csv.DictReader(f) if r["label"] != "clone"]
    risky = []
    with open(os.path.join(DATA, "tld_risk.csv")) as f:
        rows = csv.DictReader(l for l in f if not l.startswith("#"))
        core = {"com", "net", "org", "edu", "gov", "mil", "int", "arpa"}
        for r in rows:
            c = r["class"]
            if c in ("new-gtld", "generic-cctld") or (c == "legacy-gtld" and r["tld"] not in core):
                risky.append(r["tld"])
    return protected, clones, benign, risky


def skydas_real():
    t = time.perf_counter()
    out = subprocess.run([EVAL, "--real"], capture_output=True, text=True, check=True)
    secs = time.perf_counter() - t
    rec = next(l for l in out.stdout.splitlines() if l.startswith("real clones:"))
    fa = next(l for l in out.stdout.splitlines() if l.startswith("benign:"))
    hit = rec.split("(")[1].split(")")[0]
    return secs, hit, fa.split("(")[1].split(")")[0]


def run_dnstwist(protected, tld=None, dictionary=None):
    union = set()
    count = 0
    t = time.perf_counter()
    for d in protected:
        try:
            fz = dnstwist.Fuzzer(d, dictionary=dictionary or [], tld_dictionary=tld or [])
            fz.generate()
        except Exception as e:  # a domain dnstwist cannot parse
            print(f"dnstwist skipped {d}: {e}", file=sys.stderr)
            continue
        doms = {p["domain"] for p in fz.domains}
        doms.discard(d)  # dnstwist lists the original domain itself
        count += len(doms)
        union |= doms
    return time.perf_counter() - t, count, union


def dnstwist_rows(protected, clones, benign, extended, tlds):
    """dnstwist's coverage of the clones and benign hits, default and extended."""
    clone_set = set(clones)
    rows = []
    for name, kw in (("dnstwist default", {}), (extended, {"tld": tlds, "dictionary": WORDS})):
        secs, count, union = run_dnstwist(protected, **kw)
        hit = len(clone_set & union)
        fa = len(set(benign) & union)
        rows.append((name, f"{secs:.1f} s", f"{count:,}", f"{hit}/{len(clones)} = {hit/len(clones):.3f}", f"{fa}/{len(benign)}"))
    return rows


def print_table(rows):
    head = ("method", "time", "candidates", "clone coverage/recall", "benign hit")
    w = [max(len(str(r[i])) for r in rows + [head]) for i in range(5)]
    for r in [head] + rows:
        print(" | ".join(str(c).ljust(w[i]) for i, c in enumerate(r)))


def main_real():
    protected, clones, benign, risky = load_real()
    rows = dnstwist_rows(protected, clones, benign, "dnstwist +risky tlds +dict", risky)
    secs, hit, fa = skydas_real()
    h, n = (int(x) for x in hit.split("/"))
    rows.append(("skydas reverse", f"{secs:.3f} s (process)", "0", f"{hit} = {h/n:.3f}", fa))
    print(f"real clones: {len(clones)}; their targets permuted: {len(protected)}; benign: {len(benign)}")
    print_table(rows)


def main():
    if REAL:
        return main_real()
    protected, clones, benign = load()
    if LIMIT:
        protected = protected[:LIMIT]
    clone_set = set(clones)
    rows = dnstwist_rows(protected, clones, benign, "dnstwist +tld +dict", CHEAP_TLDS)

    observed = os.path.join("/tmp", "skydas-bench-observed.txt")
    with open(observed, "w") as f:
        f.write("\n".join(clones + benign) + "\n")
    t = time.perf_counter()
    out = subprocess.run([EVAL, observed, "--list"], capture_output=True, text=True, check=True)
    secs = time.perf_counter() - t
    flagged = {l.split(",")[0] for l in out.stdout.splitlines() if l}
    hit = len(flagged & clone_set)
    fa = len(flagged & set(benign))
    rows.append(("skydas reverse", f"{secs:.3f} s (process, {len(clones)+len(benign)} domains)", "0 (index of "
                 f"{len(protected) if not LIMIT else 'all'} protected)",
                 f"{hit}/{len(clones)} = {hit/len(clones):.3f}", f"{fa}/{len(benign)}"))
    print(out.stderr.strip())
    print(f"protected domains permuted: {len(protected)}; clone test set: {len(clones)}; benign: {len(benign)}")
    print_table(rows)


if __name__ == "__main__":
    main()
