#!/bin/sh
# The incremental goal of issue 21, side by side in one sitting: a cold run of the YouTube pipeline (data → ten LFs →
# auto label model) against a re-run after editing one LF, and the soft labels of the re-run against a cold run of
# the edited spec (bit for bit). Usage, from the package root after `swift build -c release`:
#   sh Tests/PipelinesTests/ExecutionFixtures/youtube/measure.sh [.build/release/foundry] [rounds]
set -eu
FOUNDRY=${1:-.build/release/foundry}
ROUNDS=${2:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
: "${FOUNDRY_DATA:=$(pwd)/../shared/datasets}"
export FOUNDRY_DATA
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$HERE/pipeline.yaml" "$HERE/lfs.yaml" "$WORK/"
# The run's seconds, and its seconds without the label model's step (the run "up to the label model").
seconds() { python3 -c 'import json,sys; d=json.load(sys.stdin); l=[s["seconds"] for s in d["steps"] if s["kind"]=="label_model"]; print("%r\t%r" % (d["seconds"], d["seconds"]-sum(l)))'; }
wall() { python3 -c 'import time; print(time.time())'; }
: > "$WORK/results.tsv"
for round in $(seq 1 "$ROUNDS"); do
  cp "$HERE/lfs.yaml" "$WORK/lfs.yaml"
  rm -rf "$WORK/run" "$WORK/cold"
  start=$(wall); cold=$("$FOUNDRY" run "$WORK/pipeline.yaml" --run-dir "$WORK/run" --json | seconds); end=$(wall)
  cold_wall=$(python3 -c "print($end - $start)")
  # Edit one of the ten functions: asks_politely also matches "pls".
  sed -i 's/keywords: \[please, plz\]/keywords: [please, plz, pls]/' "$WORK/lfs.yaml"
  start=$(wall); incremental_json=$("$FOUNDRY" run "$WORK/pipeline.yaml" --run-dir "$WORK/run" --json); end=$(wall)
  incremental=$(echo "$incremental_json" | seconds)
  incremental_wall=$(python3 -c "print($end - $start)")
  parts=$(echo "$incremental_json" | python3 -c 'import json,sys; s=[x for x in json.load(sys.stdin)["steps"] if x["name"]=="votes"][0]; print("%d computed, %d cached" % (s["parts_computed"], s["parts_cached"]))')
  "$FOUNDRY" run "$WORK/pipeline.yaml" --run-dir "$WORK/cold" --json > /dev/null
  if cmp -s "$WORK/run/steps/labels/soft_labels.npy" "$WORK/cold/steps/labels/soft_labels.npy" \
     && cmp -s "$WORK/run/steps/votes/label_matrix.npy" "$WORK/cold/steps/votes/label_matrix.npy"; then same=yes; else same=NO; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$cold" "$incremental" "$cold_wall" "$incremental_wall" "$same" "$parts" >> "$WORK/results.tsv"
  echo "round $round: cold $cold, incremental $incremental, same $same" >&2
done
python3 - "$WORK/results.tsv" <<'PY'
import json, statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
# columns: cold total, cold without label model, incremental total, incremental without label model, walls, same, parts
cold = [float(r[0]) for r in rows]; cold_pre = [float(r[1]) for r in rows]
inc = [float(r[2]) for r in rows]; inc_pre = [float(r[3]) for r in rows]
cold_wall = [float(r[4]) for r in rows]; inc_wall = [float(r[5]) for r in rows]
r6 = [r[6] for r in rows]; r7 = [r[7] for r in rows]
print(json.dumps({
    "rounds": len(rows),
    "cold_run_seconds": cold, "incremental_run_seconds": inc,
    "median_cold_seconds": statistics.median(cold), "median_incremental_seconds": statistics.median(inc),
    "median_ratio": statistics.median(i / c for i, c in zip(inc, cold)),
    "median_cold_process_seconds": statistics.median(cold_wall),
    "median_incremental_process_seconds": statistics.median(inc_wall),
    "median_process_ratio": statistics.median(i / c for i, c in zip(inc_wall, cold_wall)),
    "median_cold_seconds_before_label_model": statistics.median(cold_pre),
    "median_incremental_seconds_before_label_model": statistics.median(inc_pre),
    "median_ratio_before_label_model": statistics.median(i / c for i, c in zip(inc_pre, cold_pre)),
    "soft_labels_equal_cold_run_of_edited_spec": r6,
    "apply_step_after_edit": r7[0],
}, indent=2))
PY
