#!/bin/bash
# foundry model vs git + git-lfs vs Git-Theta 0.2.0 on the same sequence of commits, in one sitting: bytes on disk of
# each repository and seconds per commit and per checkout.
#
#   .build/release/foundry bench model-repo --export /tmp/model-seq --repeats 1 > /dev/null   # writes the sequence
#   scripts/model-repo-vs-git.sh /tmp/model-seq /tmp/model-vs-git 3
#
# The sequence (linear, one working tree of model/ and adapter/): the base model (--model, default
# .models/all-MiniLM-L6-v2) into model/; adapter-01…10 (LoRA r = 8, q+v) in turn into adapter/; the merged adapter;
# then finetune (the base with 1 % of every F32 tensor's entries changed) into model/. Each tool commits after each
# step. Checkout: switching between the base commit and the fine-tune commit (git checkout -f rewrites
# model.safetensors through its filters; -f because Git-Theta's re-serialized file reads as locally modified;
# foundry model checkout writes the commit's folder), REPEATS times each way; medians.
# git and Git-Theta run with HOME set to a scratch folder, so `git lfs install` and `git theta install` do not touch
# your ~/.gitconfig. Git-Theta comes from the peers' venv (THETA_BIN, default ~/.foundry-peers/bin); git-lfs from
# Debian (apt-get install git-lfs). Prints one JSON object.
set -euo pipefail
sequence=$1; work=$2; repeats=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
foundry=${FOUNDRY_BIN:-$root/.build/release/foundry}
model=${MODEL:-$root/.models/all-MiniLM-L6-v2}
theta_bin=${THETA_BIN:-$HOME/.foundry-peers/bin}
rm -rf "$work"; mkdir -p "$work/home"
export HOME=$work/home GIT_TERMINAL_PROMPT=0 GIT_THETA_CHECKPOINT_TYPE=safetensors
export PATH=$theta_bin:$PATH
git config --global user.name bench; git config --global user.email bench@example.invalid
git config --global init.defaultBranch main
git lfs install --skip-repo > /dev/null
git theta install > /dev/null
now() { date +%s.%N; }
elapsed() { awk -v end="$(now)" -v start="$1" 'BEGIN { printf "%.6f\n", end - start }'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
steps=(base); for i in 01 02 03 04 05 06 07 08 09 10; do steps+=("adapter-$i"); done; steps+=(merged finetune)

# Puts step $1's files into working tree $2.
stage() {
  case $1 in
    base) mkdir -p "$2/model"; cp -r "$model"/. "$2/model/"; rm -rf "$2/model/.git" "$2/model/.gitattributes" ;;
    finetune) cp "$sequence/finetune/model.safetensors" "$2/model/model.safetensors" ;;
    *) rm -rf "$2/adapter"; mkdir -p "$2/adapter"; cp "$sequence/$1"/* "$2/adapter/" ;;
  esac
}

run_git() { # $1 = lfs | theta
  local tool=$1 tree=$work/$1
  mkdir -p "$tree"; cd "$tree"; git init -q .
  if [ "$tool" = lfs ]; then git lfs track '*.safetensors' > /dev/null; else
    git theta track 'model/model.safetensors' > /dev/null; git theta track 'adapter/adapter_model.safetensors' > /dev/null
  fi
  git add .gitattributes; git commit -qm attributes
  : > "$work/$tool-commit.txt"
  for step in "${steps[@]}"; do
    stage "$step" "$tree"
    local start; start=$(now)
    git add -A > /dev/null 2>&1; git commit -qm "$step" > /dev/null 2>&1
    elapsed "$start" >> "$work/$tool-commit.txt"
    [ "$step" = base ] && git rev-parse HEAD > "$work/$tool-base.txt"
  done
  git rev-parse HEAD > "$work/$tool-finetune.txt"
  du -sb .git | cut -f1 > "$work/$tool-bytes.txt"
  : > "$work/$tool-checkout.txt"
  for _ in $(seq "$repeats"); do
    for target in base finetune; do
      local start; start=$(now)
      git checkout -q -f "$(cat "$work/$tool-$target.txt")" > /dev/null 2>&1
      elapsed "$start" >> "$work/$tool-checkout.txt"
    done
  done
  cd "$work"
}

run_foundry() {
  local tree=$work/foundry-tree repo=$work/foundry-repo
  mkdir -p "$tree"; "$foundry" model init "$repo" > /dev/null
  : > "$work/foundry-commit.txt"
  for step in "${steps[@]}"; do
    stage "$step" "$tree"
    local start; start=$(now)
    "$foundry" model commit "$tree" -m "$step" --repo "$repo" > /dev/null
    elapsed "$start" >> "$work/foundry-commit.txt"
  done
  du -sb "$repo" | cut -f1 > "$work/foundry-bytes.txt"
  : > "$work/foundry-checkout.txt"
  for i in $(seq "$repeats"); do
    for target in "main~$((${#steps[@]} - 1))" main; do
      local start; start=$(now)
      "$foundry" model checkout "$target" -o "$work/foundry-out-$i-${target//\~/-}" --repo "$repo" > /dev/null
      elapsed "$start" >> "$work/foundry-checkout.txt"
    done
  done
}

run_foundry; run_git lfs; run_git theta
report() { # tool
  local commits; commits=$(paste -sd, "$work/$1-commit.txt")
  printf '"%s": {"bytes": %s, "commit_seconds": [%s], "base_commit_seconds": %s, "finetune_commit_seconds": %s, "commit_seconds_median": %s, "checkout_seconds_median": %s}' \
    "$1" "$(cat "$work/$1-bytes.txt")" "$commits" "$(head -1 "$work/$1-commit.txt")" "$(tail -1 "$work/$1-commit.txt")" \
    "$(median < "$work/$1-commit.txt")" "$(median < "$work/$1-checkout.txt")"
}
echo "{$(report foundry), $(report lfs), $(report theta), \"base_bytes\": $(du -sb --exclude=.git "$model" | cut -f1), \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\"}"
