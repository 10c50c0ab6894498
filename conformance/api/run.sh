#!/usr/bin/env bash
# The JSON API against its own OpenAPI document, driven by schemathesis (PyPI) with every
# check it has (server errors, status codes, content types, response schemas, rejection of
# invalid and acceptance of valid data, authentication), over a small analysed store:
#
#   conformance/api/run.sh path/to/skydas [MAX_EXAMPLES]
#
# Prints schemathesis's summary; exit 0 only when it found nothing.
set -uo pipefail

[ $# -ge 1 ] || { echo "usage: $0 SKYDAS_BINARY [MAX_EXAMPLES]" >&2; exit 2; }
MAX=${2:-100}
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
conformance_setup "$1"
VENV=.venv-api
if ! "$VENV/bin/schemathesis" --version >/dev/null 2>&1; then
    make_venv "$VENV" 'schemathesis==4.32.5'
fi

set -e
"$BIN" simulate --out "$TMP/scn" --seed 5 --scale 0.05 >/dev/null
sk import "$TMP/scn/data" >/dev/null 2>&1
sk analyze >/dev/null 2>&1
SKYDAS_PASSWORD='a long enough passphrase' sk user add ada --role admin >/dev/null
TOKEN=$(sk token create ada 2>/dev/null)
start_server || { echo "the server did not start:"; cat "$TMP/serve.log"; exit 1; }
set +e
"$VENV/bin/schemathesis" run "http://$ADDR/api/v1/openapi.json" \
    -H "Authorization: Bearer $TOKEN" --checks all --max-examples "$MAX" \
    --seed 7 --no-color > "$TMP/st.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then sed -n '/FAILURES/,$p' "$TMP/st.out"; fi
# The summary: operations, phases, test cases generated and how many passed.
sed -n '/SUMMARY/,$p' "$TMP/st.out"
exit "$rc"
