"""Compares Skydas's feed import with feedparser's on a corpus of feeds.

Usage: compare_feeds.py CORPUS SKYDAS_JSONL. Prints the coverage of the entries feedparser
recovers with a link or an id, and every entry Skydas does not import with the rule that
explains it."""
import json
import os
import sys

import feedparser

corpus, ours_path = sys.argv[1], sys.argv[2]
ours = {}
for line in open(ours_path, encoding="utf-8"):
    d = json.loads(line)
    ours[os.path.relpath(d["path"], corpus)] = d

target = 0
found = 0
misses = []
for rel in sorted(ours):
    if not rel.startswith("feeds" + os.sep):
        continue
    with open(os.path.join(corpus, rel), "rb") as f:
        parsed = feedparser.parse(f.read())
    mine = ours[rel]
    keys = set()
    for it in mine["items"]:
        keys.add(it["id"].split("#", 1)[-1])
        if it["link"]:
            keys.add(it["link"])
    for e in parsed.entries:
        want = {v for v in (e.get("id"), e.get("link")) if v}
        if not want:
            continue
        target += 1
        if want & keys:
            found += 1
            continue
        # Named rules for what is not imported as feedparser has it.
        if any("enclosure" in (l or "") for l in want) and any(
            "alternate" in (k or "") for k in keys
        ):
            rule = "alternate-over-enclosure (the feed's own alternate link is kept)"
        else:
            rule = "unexplained"
        misses.append((rel, sorted(want), rule))

print(f"feedparser {feedparser.__version__}: {target} entries with a link or an id")
print(f"Skydas imports {found} of them: {100.0 * found / max(target, 1):.1f}%")
for rel, want, rule in misses:
    print(f"  not as feedparser: {rel} {want}: {rule}")
unexplained = [m for m in misses if m[2] == "unexplained"]
sys.exit(1 if unexplained else 0)
