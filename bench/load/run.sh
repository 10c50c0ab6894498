#!/usr/bin/env bash
# The web app and the JSON API under load, on loopback: a store of ~1M simulated items (scale 10),
# analysed, served by the release binary, and 50 concurrent clients (wrk, 2 threads) on the
# findings list and a finding's detail, as JSON and as pages, for SECONDS each. Prints per route
# the requests/s, the latency percentiles and every error (socket errors, non-2xx answers).
#   bench/load/run.sh [SCALE] [SECONDS] [CLIENTS]      (WORK=/tmp/skydas-bench-load)
# wrk comes from Debian (installed when run as root). Client and server share the machine's
# cores, so the figures are a floor of what a separate client would see.
set -euo pipefail
SCALE=${1:-10}
SECS=${2:-30}
CLIENTS=${3:-50}
WORK=${WORK:-/tmp/skydas-bench-load}
cd "$(dirname "$0")/../.."
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "the load test needs wrk: sudo apt-get install wrk" >&2
    exit 1
  fi
fi
cargo build --release -q -p skydas
bin="$(pwd)/target/release/skydas"
mkdir -p "$WORK"
data="$WORK/data-$SCALE"
export SKYDAS_LOG=warn
sk() { "$bin" --data "$data" "$@"; }
if [ ! -f "$data/ready" ]; then
  rm -rf "$data" "$WORK/scn-$SCALE"
  "$bin" simulate --out "$WORK/scn-$SCALE" --seed 4 --scale "$SCALE" >/dev/null
  sk import "$WORK/scn-$SCALE/data" 2>/dev/null
  sk analyze >/dev/null
  SKYDAS_PASSWORD='load test passphrase' sk user add loadtest --role analyst >/dev/null
  sk token create loadtest > "$data/token"
  touch "$data/ready"
fi
token=$(cat "$data/token")
items=$(sk --json stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"])')
id=$(sk --json findings | python3 -c 'import json,sys; print(json.load(sys.stdin)["findings"][0]["id"])')
log="$WORK/serve.log"
"$bin" --data "$data" serve --addr 127.0.0.1:0 2> "$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
addr=""
for _ in $(seq 100); do
  addr=$(sed -n 's|.*on http://\([0-9.:]*\) .*|\1|p' "$log" | head -n1)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { cat "$log"; exit 1; }
echo "$items items, finding $id, $CLIENTS clients, ${SECS}s per route, server on $addr"
printf '%-28s %10s %9s %9s %9s %9s %s\n' route req/s p50 p90 p99 max errors
for route in /api/v1/findings "/api/v1/findings/$id" /findings "/findings/$id"; do
  out=$(wrk -t2 -c"$CLIENTS" -d"${SECS}s" --latency --timeout 10s \
    -H "Authorization: Bearer $token" "http://$addr$route")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p90=$(awk '$1=="90%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  max=$(awk '$1=="Latency" {print $4}' <<<"$out")
  errs=$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' ' | paste -sd';' - || true)
  printf '%-28s %10s %9s %9s %9s %9s %s\n' "$route" "$rps" "$p50" "$p90" "$p99" "$max" "${errs:-none}"
done
