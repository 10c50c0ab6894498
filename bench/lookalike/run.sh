#!/usr/bin/env bash
# dnstwist (forward permutations) vs the Skydas reverse lookalike matcher on the clone test set.
# Needs python3 and network access to PyPI once (for the venv); dnstwist itself makes no
# network calls in list mode. Set BENCH_LIMIT=N to permute only the first N protected domains;
# REAL=1 compares on the real clone set (crates/skydas-detect/data/real_clones.csv) instead.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${VENV:-$ROOT/.venv-bench}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q dnstwist
fi
python3 "$ROOT/bench/lookalike/make_testset.py"
(cd "$ROOT" && cargo build --release -q -p skydas-detect --example lookalike_eval)
TARGET="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
"$VENV/bin/python" "$ROOT/bench/lookalike/bench.py" "$TARGET/release/examples/lookalike_eval"
