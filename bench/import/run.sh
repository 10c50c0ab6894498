#!/usr/bin/env bash
# Import throughput benchmark: 1M X API v2 posts (JSONL) and a Telegram export of 1M messages,
# each imported into a fresh data directory, plus a scan (no full-text index) of the X file.
# Prints wall seconds, items/s and peak RSS per run. Usage: bench/import/run.sh [N] [WORKDIR]
set -euo pipefail
N=${1:-1000000}
WORK=${2:-/tmp/skydas-bench-import}
cd "$(dirname "$0")/../.."
# SKYDAS_BIN runs an already built binary instead of building one.
if [ -z "${SKYDAS_BIN:-}" ]; then
    cargo build --release -q -p skydas
fi
BIN=${SKYDAS_BIN:-target/release/skydas}
cargo build --release -q -p skydas-ingest --example gen_bench
mkdir -p "$WORK"
if [ ! -f "$WORK/data/x.jsonl" ] || [ "$(cat "$WORK/data/n" 2>/dev/null)" != "$N" ]; then
    rm -rf "$WORK/data"
    target/release/examples/gen_bench "$WORK/data" "$N"
    echo "$N" > "$WORK/data/n"
fi
run() {
    local label=$1; shift
    /usr/bin/time -o "$WORK/time.txt" -f '%e %U %S %M' "$@" > /dev/null 2> "$WORK/stderr.txt" || {
        echo "$label failed:"; tail -5 "$WORK/stderr.txt"; return 1; }
    read -r wall user sys rss < "$WORK/time.txt"
    awk -v l="$label" -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" 'BEGIN {
        printf "%-16s %8.2f s wall %8.2f s cpu %9.0f items/s  peak RSS %5.0f MB\n", l, w, u + s, n / w, r / 1024 }'
}
rm -rf "$WORK/st-x" "$WORK/st-tg"
run "import x" "$BIN" import --data "$WORK/st-x" "$WORK/data/x.jsonl"
run "import telegram" "$BIN" import --data "$WORK/st-tg" "$WORK/data/telegram/result.json"
run "scan x" "$BIN" scan "$WORK/data/x.jsonl"
