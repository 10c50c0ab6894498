#!/usr/bin/env bash
# Conformance of Skydas exports against the reference implementations from PyPI
# (docs/INTEROP.md §8): stix2-validator, stix2, pymisp. Run from anywhere:
#
#   conformance/run.sh [OUT_DIR]
#
# OUT_DIR holds stix/*.json and misp/*.json (default: out/ at the repository root). When it has no
# bundles, the sample exporter writes them first. Exit 0 when every gate passes, 1 otherwise.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib.sh
. conformance/lib.sh
OUT="${1:-out}"
CONF=conformance
VENV=.venv-conf

if [ ! -x "$VENV/bin/stix2_validator" ] || [ ! -x "$VENV/bin/python" ]; then
    make_venv "$VENV" "${REFERENCE_TOOLS[@]}"
fi
PY="$VENV/bin/python"
VALIDATE="$VENV/bin/stix2_validator"

if ! compgen -G "$OUT/stix/*.json" >/dev/null; then
    cargo run -q -p skydas-share --example export_sample -- "$OUT" || exit 1
fi
shopt -s nullglob
STIX=("$OUT"/stix/*.json)
MISP=("$OUT"/misp/*.json)
fail=0

gate() { # gate NAME EXPECTED_RC CMD...
    local name="$1" want="$2"
    shift 2
    local log rc
    log="$("$@" 2>&1)"
    rc=$?
    local warnings
    warnings="$(grep -o '{[0-9]\{3\}}' <<<"$log" | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
    if [ "$rc" -eq "$want" ]; then
        echo "ok   $name (exit $rc) ${warnings:+warnings:$warnings}"
    else
        echo "FAIL $name (exit $rc, want $want)"
        echo "$log" | grep -E '\[X\]|\[!\]|Error|FAILED' | head -20
        fail=1
    fi
}

[ ${#STIX[@]} -gt 0 ] || { echo "FAIL no STIX bundles in $OUT/stix"; exit 1; }
[ ${#MISP[@]} -gt 0 ] || { echo "FAIL no MISP events in $OUT/misp"; exit 1; }

# (a) STIX: default mode (302/401 warnings from verbatim DISARM objects are expected) ...
gate "stix default" 0 "$VALIDATE" --version 2.1 --enforce-refs "${STIX[@]}"
# ... strict, with only the DISARM warnings disabled ...
gate "stix strict --disable 302,401" 0 \
    "$VALIDATE" --version 2.1 --strict --enforce-refs --disable 302,401 "${STIX[@]}"
# ... the TLP 2.0 content schema (id <-> name <-> tlp_2_0) ...
gate "stix tlp schema" 0 "$VALIDATE" --version 2.1 -s "$CONF/schemas" --disable 302,401 "${STIX[@]}"
# ... and the consumer parse.
gate "stix2.parse(allow_custom=True)" 0 "$PY" "$CONF/check_stix_parse.py" "${STIX[@]}"

# The gates can fail: each negative case must be rejected (exit 2). tlp-* cases break only what the
# TLP schema checks, so they run with it and must pass without it (the schema is what catches them).
gate "positive control (strict + schema)" 0 \
    "$VALIDATE" --version 2.1 --strict --enforce-refs -s "$CONF/schemas" "$CONF/positive-control.json"
for neg in "$CONF"/negative/*.json; do
    case "$(basename "$neg")" in
    tlp-*)
        gate "negative $(basename "$neg") without schema passes" 0 "$VALIDATE" --version 2.1 "$neg"
        gate "negative $(basename "$neg")" 2 "$VALIDATE" --version 2.1 -s "$CONF/schemas" "$neg"
        ;;
    *) gate "negative $(basename "$neg")" 2 "$VALIDATE" --version 2.1 "$neg" ;;
    esac
done

# (c) MISP events load in pymisp, with valid categories, templates, TLP and galaxy tags.
gate "pymisp MISPEvent" 0 "$PY" "$CONF/check_misp.py" data/disarm/disarm_technique_crosswalk.csv "${MISP[@]}"

if [ "$fail" -eq 0 ]; then echo "conformance: all gates passed"; else echo "conformance: FAILED"; fi
exit "$fail"
