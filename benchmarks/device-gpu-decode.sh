#!/usr/bin/env bash
# JPEG decode on the GPU (nvJPEG batched, hardware decoder where there is one, + NPP resize) against wanwu's CPU decoder
# on all cores, on the 2,000 1080p JPEGs of `wanwu bench make-set` (50 photos x 40 copies, as device-gpu.sh makes them):
# images/s read from the page cache and from memory, files left to the CPU and why, GPU-CPU pixel differences.
# Packed here by benchmarks/device-prepare-gpu-decode.sh; run there carrying benchmarks/device/gpudecode:
#   bash benchmarks/device-gpu-decode.sh
set -euo pipefail
cd "$(dirname "$0")/device/gpudecode"
out=${OUT:-$PWD/../../device-out}; mkdir -p "$out"
mkdir -p /tmp/gpudecode && tar xJf gpudecode.tar.xz -C /tmp/gpudecode
b=/tmp/gpudecode/sc/GpuDecode
# CUDA 13's libraries of the machine's image (the benchmark also looks in /usr/local/cuda-*/ by itself).
export LD_LIBRARY_PATH=/usr/local/cuda-13.0/targets/x86_64-linux/lib:${LD_LIBRARY_PATH:-}
{ echo "date: $(date -u +%FT%TZ)"; echo "cores: $(nproc)"; grep -m1 'model name' /proc/cpuinfo
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; } | tee "$out/machine.txt"
[ -d /tmp/set1080 ] || $b make-set photos -o /tmp/set1080 --copies 40
cat /tmp/set1080/* > /dev/null   # into the page cache
run() { echo "== $*"; $b /tmp/set1080 "$@"; } 
{
  run --batch 64 --size 224 --mode center-crop --crop 0.875 --check 128          # ResNeSt-101's input, and the CPU rate
  run --batch 64 --size 224 --mode center-crop --crop 0.875 --decoders 2 --no-cpu --check 0
  run --batch 128 --size 224 --mode center-crop --crop 0.875 --decoders 2 --no-cpu --check 0
  run --batch 64 --size 224 --mode stretch --no-cpu --check 64
  run --batch 32 --size 512 --mode letterbox --no-cpu --check 32                   # a detector's input
} 2>&1 | tee "$out/gpu-decode.txt"
