#!/usr/bin/env bash
# Decode alone on 1..16 threads of one process, libvips (wanwu's decoder) against libjpeg-turbo through Skia
# (benchmarks/DecodeScaling), on 50 of the 1080p photos of `wanwu bench make-set`. Carries benchmarks/device/ds:
#   dotnet publish benchmarks/DecodeScaling -c Release --self-contained -o /tmp/ds && tar cJf benchmarks/device/ds/ds.tar.xz -C /tmp ds
#   wanwu bench make-set ../shared/testdata/photos -o /tmp/set1080 && cp $(ls -d /tmp/set1080/* | head -50) benchmarks/device/ds/set/
set -euo pipefail
cd "$(dirname "$0")/device"
out=${OUT:-$PWD/../device-out}; mkdir -p "$out"
tar xJf ds/ds.tar.xz -C /tmp
/tmp/ds/DecodeScaling ds/set 1,2,4,8,16 4 | tee "$out/decode-threads.jsonl"
