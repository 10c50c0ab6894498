#!/usr/bin/env bash
# Feed entries Skydas imports from the real-file corpus, against feedparser (PyPI), the lenient
# reference parser: of the entries feedparser recovers with a link or an id, how many Skydas
# imports, and a named rule for each one it does not.
#   bench/real_formats/run.sh [CORPUS]     (default: ../shared/data/real_formats beside the repo)
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=${1:-${SKYDAS_REAL_FORMATS:-../shared/data/real_formats}}
work=${WORK:-target/bench-real-formats}
mkdir -p "$work"
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet 'feedparser==6.0.11'
fi
cargo run --quiet --release -p skydas-ingest --example import_report -- "$corpus/feeds" > "$work/skydas.jsonl"
"$work/venv/bin/python" bench/real_formats/compare_feeds.py "$corpus" "$work/skydas.jsonl"
