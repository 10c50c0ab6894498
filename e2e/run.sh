#!/usr/bin/env bash
# End-to-end test of the web app in a real browser.
# Usage: e2e/run.sh PATH/TO/skydas   (builds nothing; run `npm ci` in e2e/ first)
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 PATH/TO/skydas" >&2
  exit 2
fi
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
export SKYDAS_DATA="$TMP/data"
PASSWORD="e2e-$(date +%s)-password"

"$BIN" simulate --out "$TMP/scenario" --scale 0.2 --seed 3 >/dev/null
"$BIN" import "$TMP/scenario/data" >/dev/null 2>"$TMP/import.log" || { cat "$TMP/import.log" >&2; exit 1; }
"$BIN" analyze >/dev/null
SKYDAS_PASSWORD="$PASSWORD" "$BIN" user add e2e --role analyst
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$BIN" serve --addr "127.0.0.1:$PORT" 2>"$TMP/serve.log" &
SERVER=$!
status=0
node "$HERE/browser.mjs" "http://127.0.0.1:$PORT" e2e "$PASSWORD" "$HERE/screenshots" || status=$?
if [ $status -ne 0 ]; then cat "$TMP/serve.log" >&2; fi
"$BIN" audit verify
exit $status
