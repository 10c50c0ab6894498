#!/usr/bin/env bash
# Rewrites crates/skydas-detect/data/tld_risk.csv: every ICANN top-level domain with its class,
# from the Public Suffix List as the PyPI package publicsuffixlist ships it (MPL 2.0 data),
# plus the country codes sold as generic (bench/lookalike/generic_cctlds.csv, each with its
# source). Classes: cctld (two letters, or an IDN country code), legacy-gtld (an ICANN gTLD
# from before the 2012 round), new-gtld (the list's "newGTLDs" section), generic-cctld.
# Needs pip and python3; reaches only PyPI. VERSION=... picks another release.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VERSION="${VERSION:-1.1.2.20261023}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && pip download -q --no-deps --no-binary :all: "publicsuffixlist==$VERSION" >/dev/null \
  && tar xzf "publicsuffixlist-$VERSION.tar.gz")
sum=$(sha256sum "$work/publicsuffixlist-$VERSION.tar.gz" | cut -d' ' -f1)
python3 - "$work/publicsuffixlist-$VERSION/publicsuffixlist/public_suffix_list.dat" \
  "$ROOT/bench/lookalike/generic_cctlds.csv" "$VERSION" "$sum" "$(date -u +%F)" \
  > "$ROOT/crates/skydas-detect/data/tld_risk.csv" <<'PY'
import csv, sys
psl, gcc, version, sha, day = sys.argv[1:]
classes, section = {}, None
for line in open(psl, encoding="utf-8"):
    line = line.strip()
    if line == "// ===BEGIN ICANN DOMAINS===":
        section = "icann"
    elif line == "// newGTLDs":
        section = "new"
    elif line == "// ===END ICANN DOMAINS===":
        break
    elif section and line and not line.startswith("//"):
        rule = line.lstrip("!*.")
        if "." in rule:
            continue
        tld = rule if rule.isascii() else "xn--" + rule.encode("punycode").decode()
        if section == "new":
            classes.setdefault(tld, ("new-gtld", "Public Suffix List, newGTLDs section"))
        elif len(rule) == 2 or not rule.isascii():
            classes.setdefault(tld, ("cctld", "Public Suffix List, ICANN section"))
        else:
            classes.setdefault(tld, ("legacy-gtld", "Public Suffix List, ICANN section"))
for row in csv.DictReader(open(gcc, encoding="utf-8")):
    classes[row["tld"]] = ("generic-cctld", row["source"])
print("# The class of every ICANN top-level domain, for the lookalike matcher's suffix risk.")
print(f"# Source: the Public Suffix List in the PyPI package publicsuffixlist {version} (list: MPL 2.0),")
print(f"# sdist sha256 {sha}, taken {day}; generic-cctld rows from")
print("# bench/lookalike/generic_cctlds.csv. Regenerate with bench/lookalike/tlds.sh.")
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["tld", "class", "source"])
for tld in sorted(classes):
    out.writerow([tld, *classes[tld]])
PY
echo "wrote $(grep -vc '^#' "$ROOT/crates/skydas-detect/data/tld_risk.csv") rows" >&2
