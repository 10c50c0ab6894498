#!/usr/bin/env bash
# Skydas side by side with CooRTweet's published rule (time window 30 s, minimum participation
# 2; reimplemented in coortweet_rule.py, as the R package is not installable here) and the
# coordination-network-toolkit from PyPI, on CooRTweet's anonymised German election data set
# (../shared/data/coortweet/). Prints accounts flagged by each, their overlap and every class
# of disagreement (compare.py).
#   bench/coortweet/run.sh          (WORK=/tmp/skydas-bench-coortweet, GERMAN_DATA=… to override)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
WORK=${WORK:-/tmp/skydas-bench-coortweet}
DATA=${GERMAN_DATA:-$root/../shared/data/coortweet/german_elections.csv.gz}
[ -f "$DATA" ] || { echo "no data at $DATA (set GERMAN_DATA)" >&2; exit 1; }
mkdir -p "$WORK"
venv="$WORK/venv"
if [ ! -x "$venv/bin/compute_networks" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'coordination_network_toolkit==1.5.2' pandas numpy networkx
fi
py="$venv/bin/python"
(cd "$root" && cargo build --release --quiet -p skydas)
bin="$root/target/release/skydas"
map=(--format generic --map id=post_id --map actor_id=account_id --map platform=account_id
     --map urls=url_id --map domains=domain_id --map hashtags=hashtag_id --map images=phash_id
     --map time=timestamp)

t0=$(date +%s)
"$py" "$here/coortweet_rule.py" --data "$DATA" --out "$WORK" > "$WORK/coortweet.log"
t1=$(date +%s)
"$py" "$here/toolkit.py" "$WORK" "$DATA" "$venv/bin/compute_networks"
t2=$(date +%s)
"$bin" --json scan "${map[@]}" "$DATA" > "$WORK/skydas_default.json" 2> "$WORK/skydas_default.log"
t3=$(date +%s)
"$bin" --json scan "${map[@]}" --window 30 "$DATA" > "$WORK/skydas_study.json" 2> "$WORK/skydas_study.log"
echo "wall time: CooRTweet rule (4 object types and all) $((t1 - t0)) s;" \
  "toolkit (2 runs) $((t2 - t1)) s; skydas scan $((t3 - t2)) s"
"$py" "$here/compare.py" "$WORK" "$DATA"
