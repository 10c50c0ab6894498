"""MISP event JSON loadable by pymisp's MISPEvent (docs/INTEROP.md §8c).

Usage: check_misp.py CROSSWALK_CSV EVENT.json...
GALAXY_VALUES are the cluster names inside the non-empty misp_galaxy_tag values of the crosswalk.
"""
import csv
import json
import sys

from pymisp import MISPEvent

crosswalk, files = sys.argv[1], sys.argv[2:]
PREFIX = "misp-galaxy:disarm-techniques="
GALAXY_VALUES = set()
with open(crosswalk, encoding="utf-8", newline="") as f:
    for row in csv.DictReader(f):
        tag = (row.get("misp_galaxy_tag") or "").strip()
        if tag.startswith(PREFIX):
            GALAXY_VALUES.add(tag[len(PREFIX):].strip('"'))
assert GALAXY_VALUES, "no galaxy values read from the crosswalk"

failed = 0
for path in files:
    try:
        ev = MISPEvent()
        ev.load(open(path, encoding="utf-8").read())  # info present, known types
        assert ev.info and ev.attributes, "no info or no attributes"
        dt = ev.describe_types
        for a in ev.attributes:
            assert a.type in dt["types"], f"unknown type {a.type}"
            assert a.type in dt["category_type_mappings"][a.category], f"{a.type} not in {a.category}"
        for o in ev.objects:
            o.to_json(strict=True)  # object-template rules (microblog)
            for a in o.attributes:
                assert a.type in dt["category_type_mappings"][a.category], f"{a.type} not in {a.category}"
        tags = {t.name for t in ev.tags} | {t.name for a in ev.attributes for t in a.tags}
        assert any(t.startswith("tlp:") for t in tags), "no tlp tag"
        assert "tlp:red" not in tags, "tlp:red left the building"
        bad = [t for t in tags if t.startswith(PREFIX) and t.split("=", 1)[1].strip('"') not in GALAXY_VALUES]
        assert not bad, f"galaxy tags not in MISP's galaxy: {bad}"
        again = MISPEvent()
        again.load(ev.to_json())
        assert len(again.attributes) == len(ev.attributes), "round trip lost attributes"
        assert {t.name for t in again.tags} == {t.name for t in ev.tags}, "round trip lost tags"
        print(f"misp ok: {path} ({len(ev.attributes)} attributes, {len(ev.objects)} objects, {len(ev.tags)} tags)")
    except Exception as e:
        failed += 1
        print(f"misp FAILED: {path}: {type(e).__name__}: {e}")
sys.exit(1 if failed else 0)
