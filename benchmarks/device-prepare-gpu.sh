#!/usr/bin/env bash
# Packs the GPU benchmark for the device machine (benchmarks/device-gpu.sh): wanwu's self-contained GPU build
# (scripts/build-gpu.sh: ONNX Runtime's GPU package from NuGet), 50 shared photos, the shared MobileNet. The CUDA
# provider library (284 MB) is more than one device call may carry (64 MiB), so it goes xz-compressed in parts,
# benchmarks/device/gpu-N, each carried by its own call and gathered under /tmp/gpu-parts there before the benchmark runs.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf /tmp/sc benchmarks/device/main && mkdir -p benchmarks/device/main/photos benchmarks/device/main/models
scripts/build-gpu.sh /tmp/sc -p:InvariantGlobalization=true
rm -rf /tmp/sc/*.pdb /tmp/sc/*.xml /tmp/sc/{cs,de,es,fr,it,ja,ko,pl,pt-BR,ru,tr,zh-Hans,zh-Hant} /tmp/sc/libonnxruntime_providers_tensorrt.so
mv /tmp/sc/libonnxruntime_providers_cuda.so /tmp/providers_cuda.so
tar cJf benchmarks/device/main/wanwu-sc.tar.xz -C /tmp sc
ls ../shared/testdata/photos | head -50 | while read -r f; do cp "../shared/testdata/photos/$f" benchmarks/device/main/photos/; done
cp -r ../shared/models/st-mobilenet benchmarks/device/main/models/
sha256sum /tmp/providers_cuda.so | cut -d' ' -f1 > benchmarks/device/main/providers_cuda.sha256
# The parts are made once per provider library: it does not change with wanwu's code.
if [ "$(cat benchmarks/device/parts.sha256 2>/dev/null)" != "$(cat benchmarks/device/main/providers_cuda.sha256)" ]; then
  rm -rf benchmarks/device/gpu-[0-9]*
  xz -T0 -6 -c /tmp/providers_cuda.so > /tmp/providers_cuda.so.xz
  split -b 52M -d -a 1 /tmp/providers_cuda.so.xz /tmp/providers_cuda.part
  i=1; for p in /tmp/providers_cuda.part?; do mkdir -p benchmarks/device/gpu-$i && mv "$p" benchmarks/device/gpu-$i/; i=$((i + 1)); done
  cp benchmarks/device/main/providers_cuda.sha256 benchmarks/device/parts.sha256
fi
# The built-in detector, converted here: the device machine reaches no package registry. It rides with the last part.
bin/wanwu models fetch >/dev/null 2>&1 || dotnet run --project src/Wanwu.Cli -- models fetch >/dev/null
last=$(ls -d benchmarks/device/gpu-[0-9]* | sort -V | tail -1)
rm -rf "$last/coco-centernet" "$last/ppocr" && cp -r "${WANWU_HOME:-$HOME/.cache/wanwu}/models/coco-centernet-v2" "$last/coco-centernet"
bin/wanwu models fetch ppocr >/dev/null 2>&1 || true; cp -r "${WANWU_HOME:-$HOME/.cache/wanwu}/models/ppocr" "$last/ppocr"
du -sh benchmarks/device/*
