#!/usr/bin/env bash
# Takes a screenshot of a run report with headless Chromium (Debian's `chromium` package):
#   scripts/render-report.sh REPORT.html OUT.png [WIDTH,HEIGHT]
# The page is self-contained, so Chromium runs offline; the window defaults to 1280×4000 (the page's full length
# for a typical report). Exits non-zero when Chromium is missing or writes no image.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH,HEIGHT]" >&2
  exit 2
fi
report=$1
out=$2
size=${3:-1280,4000}
if [ ! -f "$report" ]; then
  echo "error: no report at $report" >&2
  exit 2
fi
if ! [[ "$size" =~ ^[0-9]+,[0-9]+$ ]]; then
  echo "error: window size must be WIDTH,HEIGHT (got $size)" >&2
  exit 2
fi
browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
done
if [ -z "$browser" ]; then
  echo "error: no chromium on PATH (Debian: apt-get install chromium)" >&2
  exit 3
fi
report_path=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
out_dir=$(cd "$(dirname "$out")" && pwd)
out_path=$out_dir/$(basename "$out")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$out_path"
# --user-data-dir keeps runs independent; --hide-scrollbars keeps the bar out of the image.
timeout 180 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$profile" \
  --screenshot="$out_path" --window-size="$size" "file://$report_path" >/dev/null 2>&1 || true
if [ ! -s "$out_path" ]; then
  echo "error: $browser wrote no screenshot to $out_path" >&2
  exit 1
fi
echo "$out_path"
