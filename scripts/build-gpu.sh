#!/usr/bin/env bash
# wanwu for NVIDIA GPUs: a self-contained build (no .NET needed where it runs) against ONNX Runtime's GPU package
# from NuGet (CUDA 13, cuDNN 9; CUDA and TensorRT providers). It runs on a machine with an NVIDIA driver and the CUDA 13
# toolkit's libraries; `wanwu devices` says what it found and what is missing (docs/gpu.md).
#   scripts/build-gpu.sh [OUTPUT_DIR (default bin-gpu)] [more dotnet publish arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bin-gpu}; shift || true
dotnet publish src/Wanwu.Cli -c Release -r linux-x64 --self-contained -o "$out" -p:OnnxRuntimeGpu=true "$@"
echo "wanwu with ONNX Runtime's CUDA provider in $out: $out/wanwu devices"
