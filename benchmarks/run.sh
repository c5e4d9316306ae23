#!/usr/bin/env bash
# Side-by-side benchmark: the naive way, the blog's way and wanwu, on the same photos and model.
# Usage: benchmarks/run.sh [PHOTOS_DIR] [MODEL] [COPIES]
#   PHOTOS_DIR defaults to ../shared/testdata/photos; MODEL to the built-in coco-centernet;
#   COPIES (default 10) repeats the photos so the run lasts long enough to measure steady throughput.
set -euo pipefail
cd "$(dirname "$0")/.."
photos=${1:-../shared/testdata/photos}
model=${2:-coco-centernet}
copies=${3:-10}
[ -x bin/wanwu ] || dotnet publish src/Wanwu.Cli -c Release -o bin
set_dir=$(mktemp -d)
trap 'rm -rf "$set_dir"' EXIT
for i in $(seq 1 "$copies"); do mkdir -p "$set_dir/$i" && cp "$photos"/* "$set_dir/$i/"; done
echo "$(date -u +%F) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
bin/wanwu bench "$set_dir" --model "$model" "${@:4}"
