#!/bin/bash
# Foundry vs mergekit-yaml on the same two MiniLM-size task checkpoints, alternating runs in one sitting.
#
#   .build/release/foundry bench merge --work /tmp/merge-bench --repeats 1 > /dev/null   # writes base/, T1/, T2/, mergekit/*.yml
#   scripts/bench-merge-vs-mergekit.sh /tmp/merge-bench 5 ties dare_ties
#
# Each run is a whole process under /usr/bin/time (wall seconds, peak RSS), so both sides pay for loading and
# writing. mergekit runs through ../shared/reference/merging/mergekit_yaml_fixed.py (stock mergekit-yaml cannot plan a
# BERT merge: the aliases tuple/list bug that README describes), with --num-threads 2 --random-seed 42, from the
# peers' venv (PYTHON, default ~/.foundry-peers/bin/python). Prints one line per run and the medians.
set -euo pipefail
work=$1; repeats=${2:-5}; shift 2 || true
methods=${*:-ties dare_ties}
root=$(cd "$(dirname "$0")/.." && pwd)
foundry=${FOUNDRY_BIN:-$root/.build/release/foundry}
python=${PYTHON:-$HOME/.foundry-peers/bin/python}
fixed=${MERGEKIT_FIXED:-$root/../shared/reference/merging/mergekit_yaml_fixed.py}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
cd "$work"
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for method in $methods; do
  : > "fo-$method.txt"; : > "mk-$method.txt"
  extra=""; [ "$method" = breadcrumbs ] && extra="--density 0.9"
  for i in $(seq "$repeats"); do
    /usr/bin/time -f "%e %M" -o t.txt "$foundry" merge --models T1,T2 --base base --method "$method" \
      --weights 0.5,0.5 --seed 42 $extra --out "fo-out-$method" > /dev/null
    cat t.txt >> "fo-$method.txt"; echo "foundry $method run $i: $(cat t.txt) (s, KB)"
    /usr/bin/time -f "%e %M" -o t.txt "$python" "$fixed" "mergekit/$method.yml" "mk-out-$method" \
      --num-threads 2 --random-seed 42 --copy-tokenizer --quiet > /dev/null 2>&1
    cat t.txt >> "mk-$method.txt"; echo "mergekit $method run $i: $(cat t.txt) (s, KB)"
  done
  fs=$(cut -d' ' -f1 "fo-$method.txt" | median); ms=$(cut -d' ' -f1 "mk-$method.txt" | median)
  fr=$(cut -d' ' -f2 "fo-$method.txt" | median); mr=$(cut -d' ' -f2 "mk-$method.txt" | median)
  echo "$method: foundry median ${fs} s, ${fr} KB; mergekit median ${ms} s, ${mr} KB; speed-up $(awk "BEGIN {printf \"%.1f\", $ms / $fs}")x"
done
