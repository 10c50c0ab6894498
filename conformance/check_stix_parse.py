"""Consumer parse of exported STIX bundles, as OpenCTI connectors do (docs/INTEROP.md §8a.4).

Verbatim DISARM objects carry x_mitre_* properties, hence allow_custom=True.
Also asserts that every TLP marking is a TLP 2.0 one and never stix2's TLP 1.0 constants.
"""
import json
import sys

import stix2

TLP1_IDS = {m.id for m in (stix2.TLP_WHITE, stix2.TLP_GREEN, stix2.TLP_AMBER, stix2.TLP_RED)}

failed = 0
for path in sys.argv[1:]:
    try:
        text = open(path, encoding="utf-8").read()
        bundle = stix2.parse(text, allow_custom=True)
        ids = {o["id"] for o in json.loads(text)["objects"]}
        assert not ids & TLP1_IDS, f"TLP 1.0 marking in {path}"
        assert len(bundle.objects) == len(ids), "duplicate ids"
        print(f"parse ok: {path} ({len(bundle.objects)} objects)")
    except Exception as e:  # report every file, then fail
        failed += 1
        print(f"parse FAILED: {path}: {type(e).__name__}: {e}")
sys.exit(1 if failed else 0)
