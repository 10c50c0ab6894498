#!/usr/bin/env bash
# Every detector at ~1M posts: simulate (scale 10 ≈ 930k items by default), one-shot scan with
# per-detector timings, peak RSS, and the evaluation against the planted truth.
#   bench/detectors/run.sh [SCALE] [SEED]      (WORK=/tmp/skydas-bench-detect)
set -euo pipefail
SCALE=${1:-10}
SEED=${2:-4}
WORK=${WORK:-/tmp/skydas-bench-detect}
cd "$(dirname "$0")/../.."
cargo build --release -q -p skydas
bin=target/release/skydas
mkdir -p "$WORK"
scn="$WORK/scn-$SEED-$SCALE"
[ -f "$scn/truth.json" ] || "$bin" simulate --out "$scn" --seed "$SEED" --scale "$SCALE"
SKYDAS_LOG=info /usr/bin/time -f 'scan: %e s wall, %M KB peak RSS' "$bin" scan --json "$scn/data" \
  > "$WORK/findings.json" 2> "$WORK/scan.log"
sed 's/\x1b\[[0-9;]*m//g' "$WORK/scan.log" | grep -E 'detector ran|scan:|imported' || true
"$bin" eval --truth "$scn/truth.json" "$WORK/findings.json"
