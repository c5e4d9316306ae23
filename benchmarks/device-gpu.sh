#!/usr/bin/env bash
# wanwu on the device machine's GPU (CUDA provider of ONNX Runtime's GPU build), packed by device-prepare-gpu.sh.
#   bash benchmarks/device-gpu.sh gather N   (N = 1, 2, 3: one call each, carrying benchmarks/device/gpu-N)
#   bash benchmarks/device-gpu.sh            (carrying benchmarks/device/main: joins the parts, then measures)
set -euo pipefail
cd "$(dirname "$0")/device"
if [ "${1:-}" = gather ]; then mkdir -p /tmp/gpu-parts && cp -r gpu-"$2"/* /tmp/gpu-parts/ && ls -la /tmp/gpu-parts; exit; fi
out=${OUT:-$PWD/../device-out}; mkdir -p "$out"
w=/tmp/wanwu/sc/wanwu
mkdir -p /tmp/wanwu && tar xJf main/wanwu-sc.tar.xz -C /tmp/wanwu
if [ ! -f /tmp/wanwu/sc/libonnxruntime_providers_cuda.so ]; then
  cat /tmp/gpu-parts/providers_cuda.part{0,1,2} | xz -d > /tmp/wanwu/sc/libonnxruntime_providers_cuda.so
  echo "$(cat main/providers_cuda.sha256)  /tmp/wanwu/sc/libonnxruntime_providers_cuda.so" | sha256sum -c
fi
# CUDA 13's libraries of the machine's image (cuDNN 9 is in the system's library folder).
export LD_LIBRARY_PATH=/usr/local/cuda-13.0/targets/x86_64-linux/lib:${LD_LIBRARY_PATH:-}
export WANWU_HOME=/tmp/wanwu-home
{ echo "date: $(date -u +%FT%TZ)"; echo "cores: $(nproc)"; grep -m1 'model name' /proc/cpuinfo
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; $w devices; } | tee "$out/machine.txt"
step=${1:-all}
if [ ! -d /tmp/set1080 ]; then $w bench make-set main/photos -o /tmp/set1080 --copies 40 > /dev/null; fi   # 2,000 images
if [ ! -d /tmp/resnest101 ]; then $w bench make-model -o /tmp/resnest101 > /dev/null; fi
m=main/models/st-mobilenet
c=/tmp/gpu-parts/coco-centernet
case $step in
  precision)
    # The GPU issue's table in one run: naive, blog, decode on the CPU and on the GPU, the network alone and wanwu in
    # float32 and float16, side by side on the same 1080p set (docs/benchmarks.md "GPU, FP16 and nvJPEG").
    $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda --ways naive blog decode:cpu decode:gpu model:fp32 model:fp16 wanwu:fp32 wanwu:fp16 --naive-sample 4 --limit 2000 --json > "$out/gpu-bench-precision-resnest101.json"
    cat "$out/gpu-bench-precision-resnest101.json"
    $w tag /tmp/set1080 -o /tmp/gpu-tag16 -m /tmp/resnest101 --device cuda --overwrite -q --precision fp16
    cp /tmp/gpu-tag16/summary.json "$out/gpu-tag-resnest101-fp16-summary.json"; head -c 900 /tmp/gpu-tag16/summary.json; echo
    $w tag /tmp/set1080 -o /tmp/gpu-tag32 -m /tmp/resnest101 --device cuda --overwrite -q --precision fp32
    python3 ../compare-runs.py /tmp/gpu-tag32/results.jsonl /tmp/gpu-tag16/results.jsonl | tee "$out/gpu-fp16-fidelity.txt"
    $w tag /tmp/set1080 -o /tmp/gpu-tagcpu -m /tmp/resnest101 --device cuda --overwrite -q --precision fp32 --no-gpu-decode
    python3 ../compare-runs.py /tmp/gpu-tagcpu/results.jsonl /tmp/gpu-tag32/results.jsonl | tee "$out/gpu-decode-fidelity.txt" ;;
  small)
    for model in $m $c; do
      $w bench /tmp/set1080 -m $model --device cuda --ways decode:gpu model wanwu --limit 2000 --json > "$out/gpu-bench-$(basename $model).json"
      cat "$out/gpu-bench-$(basename $model).json"
    done ;;
  all|resnest)
    $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda --ways naive blog decode model wanwu --naive-sample 8 --limit 1000 --json > "$out/gpu-bench-1080p-resnest101.json"
    cat "$out/gpu-bench-1080p-resnest101.json" ;;&
  all|mobilenet)
    $w bench /tmp/set1080 -m $m --device cuda --ways naive blog decode model wanwu --naive-sample 20 --json > "$out/gpu-bench-1080p-mobilenet.json"
    cat "$out/gpu-bench-1080p-mobilenet.json" ;;&
  all|tag)
    $w tag /tmp/set1080 -o /tmp/gpu-tag -m /tmp/resnest101 --device cuda --overwrite -q
    cp /tmp/gpu-tag/summary.json "$out/gpu-tag-resnest101-summary.json"; head -c 600 /tmp/gpu-tag/summary.json ;;&
  all|torch)
    python3 ../device-torch-reference.py | tee "$out/gpu-torch-resnest101e.jsonl" ;;&
  profile)
    WANWU_ORT_PROFILE=$out/ort-profile $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda --ways model --limit 1024
    ls -la "$out" ;;
esac
