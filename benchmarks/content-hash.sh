#!/usr/bin/env bash
# What the content hash costs on 1080p JPEGs: wanwu's decoder with and without hashing, and the hash alone.
# Usage: benchmarks/content-hash.sh [PHOTOS_DIR] [ROUNDS]   (PHOTOS_DIR defaults to ../shared/testdata/photos)
set -euo pipefail
cd "$(dirname "$0")/.."
photos=${1:-../shared/testdata/photos}
rounds=${2:-7}
set_dir=$(mktemp -d)
trap 'rm -rf "$set_dir"' EXIT
dotnet run --project src/Wanwu.Cli -c Release -- bench make-set "$photos" -o "$set_dir/photos" > /dev/null
echo "$(date -u '+%F %H:%M UTC') $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
dotnet run --project benchmarks/ContentHash -c Release -- "$set_dir/photos" "$rounds"
