#!/usr/bin/env bash
# Side-by-side: Skydas vs the coordination-network-toolkit (QUT) on the same simulated data,
# written once as the toolkit's CSV, which both tools read.
#
#   bench/coordination/run.sh [SCALE ...]      (default: 1 10, i.e. ~100k and ~1M posts)
#
# Env: CAP (seconds per peer network, default 900), WINDOW (seconds, default 60), SEED (default 1),
#      WORK (scratch folder, default /tmp/skydas-bench-coord).
# Reports wall time, peak RSS and actor-level precision/recall/F1 for both tools.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CAP=${CAP:-900}
WINDOW=${WINDOW:-60}
SEED=${SEED:-1}
WORK=${WORK:-/tmp/skydas-bench-coord}
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(1 10)
mkdir -p "$WORK"

(cd "$root" && cargo build --release --quiet -p skydas)
bin="$root/target/release/skydas"
venv="$WORK/venv"
if [ ! -x "$venv/bin/compute_networks" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'coordination_network_toolkit==1.5.2'
fi

measure() { # label, out-json, command... → prints "label secs rss_mb status"
  local label=$1 out=$2; shift 2
  local tf="$WORK/time.txt" status=ok
  if ! /usr/bin/time -f '%e %M' -o "$tf" timeout "$CAP" "$@" > "$out" 2> "$WORK/$label.err"; then
    status=$([ "$(tail -n1 "$tf" | cut -d' ' -f1 | cut -d. -f1)" -ge "$CAP" ] && echo "capped at ${CAP}s" || echo failed)
  fi
  local t; t=$(grep -E '^[0-9.]+ [0-9]+$' "$tf" | tail -n1)
  printf '%s %s %s\n' "${t% *}" "$(( ${t#* } / 1024 ))" "$status"
}

printf '\n%-8s %-26s %9s %9s %10s %7s %7s %7s %8s\n' scale tool wall_s rss_mb status prec recall f1 decoys
for s in "${scales[@]}"; do
  scn="$WORK/scn-$s"
  rm -rf "$scn"
  "$bin" simulate --out "$scn" --seed "$SEED" --scale "$s" >/dev/null
  "$bin" convert --out "$scn/posts.csv" "$scn/data" >/dev/null
  n=$(python3 -c 'import csv,sys; csv.field_size_limit(1<<30); print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$scn/posts.csv")

  read -r secs rss st < <(measure skydas "$scn/skydas.json" "$bin" scan --json "$scn/posts.csv")
  q=$(python3 "$here/peer_eval.py" "$scn/truth.json" --skydas "$scn/skydas.json")
  python3 - "$s" "skydas scan (all signals)" "$secs" "$rss" "$st" "$q" <<'PY'
import json,sys; q=json.loads(sys.argv[6]); print(f"{sys.argv[1]:<8} {sys.argv[2]:<26} {sys.argv[3]:>9} {sys.argv[4]:>9} {sys.argv[5]:>10} {q['precision']:>7} {q['recall']:>7} {q['f1']:>7} {q['decoys_flagged']:>8}")
PY

  db="$WORK/cnt-$s.db"; rm -f "$db"
  read -r psecs prss pst < <(measure cnt-preprocess /dev/null "$venv/bin/compute_networks" "$db" preprocess --format csv "$scn/posts.csv")
  echo "$s        cnt preprocess             $psecs $prss $pst   ($n posts)"
  edges=()
  for net in co_link co_similar_tweet co_retweet; do
    e="$scn/cnt-$net.graphml"; rm -f "$e"
    read -r secs rss st < <(measure "cnt-$net" /dev/null "$venv/bin/compute_networks" "$db" compute "$net" \
        --time_window "$WINDOW" --min_edge_weight 2 --n_cpus 2 --output_file "$e" --output_format graphml)
    if [ -s "$e" ]; then
      edges+=("$e")
      q=$(python3 "$here/peer_eval.py" "$scn/truth.json" --cnt-edges "$e")
    else
      q='{"precision":"-","recall":"-","f1":"-","decoys_flagged":"-"}'
    fi
    python3 - "$s" "cnt $net" "$secs" "$rss" "$st" "$q" <<'PY'
import json,sys; q=json.loads(sys.argv[6]); print(f"{sys.argv[1]:<8} {sys.argv[2]:<26} {sys.argv[3]:>9} {sys.argv[4]:>9} {sys.argv[5]:>10} {q['precision']:>7} {q['recall']:>7} {q['f1']:>7} {q['decoys_flagged']:>8}")
PY
  done
done
