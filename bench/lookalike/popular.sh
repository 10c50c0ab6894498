#!/usr/bin/env bash
# Rewrites crates/skydas-detect/data/popular_domains.csv from the npm package top-sites (MIT):
# the Moz top 500 root domains, `www.` stripped. Needs npm and python3; reaches only the npm
# registry. VERSION=x.y.z picks another release (record it in the file's header).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VERSION="${VERSION:-1.1.222}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack -q "top-sites@$VERSION" >/dev/null && tar xzf "top-sites-$VERSION.tgz")
sum=$(sha256sum "$work/top-sites-$VERSION.tgz" | cut -d' ' -f1)
python3 - "$work/package/top-sites.json" "$VERSION" "$sum" "$(date -u +%F)" \
  > "$ROOT/crates/skydas-detect/data/popular_domains.csv" <<'PY'
import json, sys
path, version, sha, day = sys.argv[1:]
seen = []
for r in json.load(open(path)):
    d = r["rootDomain"].lower().strip().rstrip(".")
    d = d[4:] if d.startswith("www.") else d
    if d not in seen:
        seen.append(d)
print("# Popular, long-established domains: a legitimacy signal for the lookalike matcher (a domain")
print(f"# listed here never alerts). Source: the npm package top-sites {version} (MIT licence,")
print("# github.com/Kikobeats/top-sites: the Moz top 500 root domains by linking root domains),")
print(f"# tarball sha256 {sha}, taken")
print(f"# {day}; `www.` stripped. Regenerate with bench/lookalike/popular.sh.")
print("domain,rank")
for i, d in enumerate(seen, 1):
    print(f"{d},{i}")
PY
echo "wrote $(($(wc -l < "$ROOT/crates/skydas-detect/data/popular_domains.csv") - 6)) domains" >&2
