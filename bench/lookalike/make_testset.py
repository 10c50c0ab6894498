#!/usr/bin/env python3
"""Writes crates/skydas-detect/data/lookalike_testset.csv from clones.txt and benign.txt.

Clone rows: (domain, impersonates, technique, source) where source is `reported` (named in
public reporting on Doppelganger/RRN: EU DisinfoLab 2022, VIGINUM 2023, US DoJ 2024) or
`constructed` (built here after the same patterns), the section of clones.txt the row stands
in. IDN rows are written in punycode, as hosts appear in canonical URLs. Benign rows are real
domains and hosts.
"""
import csv, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "crates", "skydas-detect", "data", "lookalike_testset.csv")

# One Latin letter swapped for its Cyrillic look-alike; written as punycode.
CYR = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445", "y": "\u0443", "i": "\u0456"}

CLONES_FILE = os.path.join(HERE, "clones.txt")
BENIGN_FILE = os.path.join(HERE, "benign.txt")


def idn(domain, letter):
    label, _, rest = domain.partition(".")
    i = label.index(letter)
    lab = label[:i] + CYR[letter] + label[i + 1:]
    return lab.encode("idna").decode("ascii") + "." + rest


def sections(path):
    """The rows of a file of `[section]` headers, each row with its section."""
    section = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            yield section, line.split()


def main():
    rows = []
    for section, fields in sections(CLONES_FILE):
        d, imp, third = fields
        if section == "idn":
            rows.append((idn(d, third), imp, "homoglyph", "clone", "constructed"))
        else:
            rows.append((d, imp, third, "clone", section))
    seen = {r[0] for r in rows}
    with open(BENIGN_FILE) as f:
        for tok in f.read().split():
            if tok.startswith("#") or tok in seen:
                continue
            seen.add(tok)
            rows.append((tok, "", "", "benign", "real"))
    with open(OUT, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["domain", "impersonates", "technique", "label", "source"])
        w.writerows(rows)
    n_clone = sum(r[3] == "clone" for r in rows)
    print(f"{n_clone} clone, {len(rows) - n_clone} benign -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
