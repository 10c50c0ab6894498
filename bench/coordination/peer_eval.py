#!/usr/bin/env python3
"""Actor-level precision/recall/F1 of a set of flagged accounts against a Skydas truth.json.

Used to score both tools the same way in the side-by-side benchmark:
  peer_eval.py truth.json --cnt-edges net.graphml     # coordination-network-toolkit network
  peer_eval.py truth.json --skydas findings.json     # Skydas coordination findings
Actors are matched by their platform id only, because the toolkit's CSV has no platform column.
"""
import argparse
import xml.etree.ElementTree as ET
import json
import sys


def truth_sets(path):
    t = json.load(open(path))
    pos = {a["id"] for op in t["operations"] for a in op["actors"]}
    decoys = {a["id"] for d in t.get("decoys", []) for a in d["actors"]} - pos
    return pos, decoys


def flagged_from_cnt(path):
    """Every account that is an end of an edge of the toolkit's GraphML network."""
    flagged = set()
    for _, el in ET.iterparse(path, events=("end",)):
        if el.tag.endswith("}edge") or el.tag == "edge":
            flagged.add(el.get("source"))
            flagged.add(el.get("target"))
        el.clear()
    return flagged


def flagged_from_skydas(path):
    doc = json.load(open(path))
    return {a["id"] for f in doc["findings"] if f["kind"] == "coordination" for a in f["actors"]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("truth")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--cnt-edges", nargs="+")
    g.add_argument("--skydas")
    a = p.parse_args()
    pos, decoys = truth_sets(a.truth)
    if a.cnt_edges:
        flagged = set()
        for e in a.cnt_edges:
            flagged |= flagged_from_cnt(e)
    else:
        flagged = flagged_from_skydas(a.skydas)
    tp = len(flagged & pos)
    prec = tp / len(flagged) if flagged else 0.0
    rec = tp / len(pos) if pos else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    print(json.dumps({
        "flagged": len(flagged), "true_positives": tp, "positives": len(pos),
        "precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
        "decoys_flagged": len(flagged & decoys), "decoys": len(decoys),
    }))


if __name__ == "__main__":
    main()
