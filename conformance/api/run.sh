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
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -x "$BIN" ] || { echo "not executable: $BIN" >&2; exit 2; }
MAX=${2:-100}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV=.venv-api
if ! "$VENV/bin/schemathesis" --version >/dev/null 2>&1; then
    python3 -m venv "$VENV" || exit 1
    "$VENV/bin/pip" install -q 'schemathesis==4.32.5' || exit 1
fi

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export SKYDAS_LOG=warn
sk() { "$BIN" --data "$TMP/data" "$@"; }
set -e
"$BIN" simulate --out "$TMP/scn" --seed 5 --scale 0.05 >/dev/null
sk import "$TMP/scn/data" >/dev/null 2>&1
sk analyze >/dev/null 2>&1
SKYDAS_PASSWORD='a long enough passphrase' sk user add ada --role admin >/dev/null
TOKEN=$(sk token create ada 2>/dev/null)
"$BIN" --data "$TMP/data" serve --addr 127.0.0.1:0 2> "$TMP/serve.log" &
SERVER_PID=$!
for _ in $(seq 100); do
    ADDR=$(sed -n 's|.*on http://\([0-9.:]*\) .*|\1|p' "$TMP/serve.log" | head -n1)
    [ -n "$ADDR" ] && break
    sleep 0.1
done
[ -n "$ADDR" ] || { echo "the server did not start:"; cat "$TMP/serve.log"; exit 1; }
set +e
"$VENV/bin/schemathesis" run "http://$ADDR/api/v1/openapi.json" \
    -H "Authorization: Bearer $TOKEN" --checks all --max-examples "$MAX" \
    --seed 7 --no-color > "$TMP/st.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then sed -n '/FAILURES/,$p' "$TMP/st.out"; fi
# The summary: operations, phases, test cases generated and how many passed.
sed -n '/SUMMARY/,$p' "$TMP/st.out"
exit "$rc"
