#!/usr/bin/env bash
# Scale-out benchmark: import and analysis throughput of the embedded store against PostgreSQL
# + NATS JetStream with 1 and 2 `skydas worker` processes, on one simulated scenario.
#
#   bench/scale/run.sh [SCALE] [WORKDIR]      (default: scale 3, /tmp/skydas-bench-scale)
#
# Needs PostgreSQL and NATS with JetStream (SKYDAS_BENCH_PG, default
# postgres://postgres@127.0.0.1:5432/test; SKYDAS_BENCH_NATS, default nats://127.0.0.1:4222).
# SKYDAS_BIN runs an already built binary instead of building one.
#
# Distributed import is timed from the start of `import --nats` until the workers have stored
# every item and finished every file (polling `stats`), so it is end to end, not just enqueueing;
# the enqueue time is printed beside it. Analysis is `analyze` / `analyze --nats` wall time.
# Each distributed run uses a fresh schema and fresh streams, removed afterwards.
set -euo pipefail
SCALE=${1:-3}
WORK=${2:-/tmp/skydas-bench-scale}
PG=${SKYDAS_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}
NATS=${SKYDAS_BENCH_NATS:-nats://127.0.0.1:4222}
cd "$(dirname "$0")/../.."
if [ -z "${SKYDAS_BIN:-}" ]; then
    cargo build --release -q -p skydas
fi
BIN=$(realpath "${SKYDAS_BIN:-target/release/skydas}")
export SKYDAS_LOG=${SKYDAS_LOG:-error}
unset SKYDAS_STORE SKYDAS_NATS

mkdir -p "$WORK"
if [ ! -d "$WORK/scn/data" ] || [ "$(cat "$WORK/scn/scale" 2>/dev/null)" != "$SCALE" ]; then
    rm -rf "$WORK/scn"
    "$BIN" --data "$WORK/sim" simulate --scale "$SCALE" --out "$WORK/scn" > /dev/null
    echo "$SCALE" > "$WORK/scn/scale"
fi
DATA="$WORK/scn/data"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
jfield() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d'"$1"')'; }
# Findings per kind, e.g. "automation=3 coordination=12 lookalike_domain=5".
kinds() {
    python3 -c 'import json,sys,collections
c = collections.Counter(f["kind"] for f in json.load(sys.stdin)["findings"])
print(" ".join(f"{k}={v}" for k, v in sorted(c.items())))'
}

# Deletes a JetStream stream with one request in the NATS text protocol (no client needed).
delete_stream() {
    local hostport=${NATS#nats://}
    exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}" || return 0
    printf 'CONNECT {"verbose":false}\r\nPUB $JS.API.STREAM.DELETE.%s 0\r\n\r\nPING\r\n' "$1" >&3
    timeout 5 grep -m1 -q PONG <&3 || true
    exec 3>&-
}

printf '%-22s %9s %9s %10s %9s %10s  %s\n' run items import_s items/s enqueue_s analyze_s findings

# The embedded default.
rm -rf "$WORK/emb"
t0=$(now)
"$BIN" --data "$WORK/emb" import "$DATA" > /dev/null 2>&1
t1=$(now)
ITEMS=$("$BIN" --data "$WORK/emb" --json stats | jfield '["items"]')
FILES=$("$BIN" --data "$WORK/emb" --json stats | jfield '["files"]')
t2=$(now)
EMB_KINDS=$("$BIN" --data "$WORK/emb" --json analyze 2> /dev/null | kinds)
t3=$(now)
printf '%-22s %9s %9s %10s %9s %10s  %s\n' "embedded" "$ITEMS" "$(secs "$t0" "$t1")" \
    "$(rate "$ITEMS" "$(secs "$t0" "$t1")")" "-" "$(secs "$t2" "$t3")" "$EMB_KINDS"

PIDS=()
SCHEMA=
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
    PIDS=()
    if [ -n "$SCHEMA" ]; then
        psql -q "$PG" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"$SCHEMA\" CASCADE" || true
        delete_stream "SKYDAS_${SCHEMA}_IMPORT"
        delete_stream "SKYDAS_${SCHEMA}_DETECT"
        SCHEMA=
    fi
}
trap cleanup EXIT

for W in 1 2; do
    # A new schema (and so new streams) per run: JetStream's duplicate window would otherwise
    # drop the batches of a file imported minutes ago.
    SCHEMA="bench_scale_$(date +%s)_w$W"
    URL="$PG?schema=$SCHEMA"
    PGD="$WORK/pg_w$W"
    rm -rf "$PGD"
    S=(--data "$PGD" --store "$URL" --nats "$NATS")
    # Create the schema and streams before the clock starts.
    "$BIN" "${S[@]}" --json stats > /dev/null
    for i in $(seq 1 "$W"); do
        "$BIN" "${S[@]}" worker --name "bench-$i" --idle-exit 600 > /dev/null 2>&1 &
        PIDS+=($!)
    done
    t0=$(now)
    "$BIN" "${S[@]}" import "$DATA" > /dev/null 2>&1
    te=$(now)
    # Poll two cheap counters (not `stats`, which would compete with the workers).
    while :; do
        read -r got complete < <(psql -qtA -F ' ' "$PG" -c "SELECT
            (SELECT coalesce(sum(items), 0) FROM \"$SCHEMA\".item_counts),
            (SELECT count(*) FROM \"$SCHEMA\".files WHERE status = 'complete')")
        [ "$got" = "$ITEMS" ] && [ "$complete" = "$FILES" ] && break
        sleep 0.5
    done
    t1=$(now)
    t2=$(now)
    K=$("$BIN" "${S[@]}" --json analyze 2> /dev/null | kinds)
    t3=$(now)
    [ "$K" = "$EMB_KINDS" ] || echo "warning: $W worker(s) found $K, embedded $EMB_KINDS" >&2
    printf '%-22s %9s %9s %10s %9s %10s  %s\n' "postgres+nats, $W wkr" "$got" "$(secs "$t0" "$t1")" \
        "$(rate "$got" "$(secs "$t0" "$t1")")" "$(secs "$t0" "$te")" "$(secs "$t2" "$t3")" "$K"
    cleanup
done
