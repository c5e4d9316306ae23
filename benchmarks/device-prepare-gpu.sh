#!/usr/bin/env bash
# Packs the GPU benchmark for the device machine (benchmarks/device-gpu.sh): wanwu built against ONNX Runtime's GPU
# build (scripts/fetch-gpu-runtime.sh), 50 shared photos, the shared MobileNet. The CUDA provider library (230 MB)
# is more than one device call may carry (64 MiB), so it goes xz-compressed in three parts, benchmarks/device/gpu-N,
# each carried by its own call and gathered under /tmp/gpu-parts there before the benchmark runs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .ort-gpu/native/libonnxruntime_providers_cuda.so ] || scripts/fetch-gpu-runtime.sh
rm -rf /tmp/sc benchmarks/device/main && mkdir -p benchmarks/device/main/photos benchmarks/device/main/models benchmarks/device/gpu-{1,2,3}
dotnet publish src/Wanwu.Cli -c Release -r linux-x64 --self-contained -o /tmp/sc -p:InvariantGlobalization=true -p:OnnxRuntimeGpu="$PWD/.ort-gpu"
rm -rf /tmp/sc/*.pdb /tmp/sc/*.xml /tmp/sc/{cs,de,es,fr,it,ja,ko,pl,pt-BR,ru,tr,zh-Hans,zh-Hant}
mv /tmp/sc/libonnxruntime_providers_cuda.so /tmp/providers_cuda.so
tar cJf benchmarks/device/main/wanwu-sc.tar.xz -C /tmp sc
ls ../shared/testdata/photos | head -50 | while read -r f; do cp "../shared/testdata/photos/$f" benchmarks/device/main/photos/; done
cp -r ../shared/models/st-mobilenet benchmarks/device/main/models/
# The built-in detector, converted here: the device machine reaches no package registry.
bin/wanwu models fetch >/dev/null 2>&1 || dotnet run --project src/Wanwu.Cli -- models fetch >/dev/null
mkdir -p benchmarks/device/gpu-4 && rm -rf benchmarks/device/gpu-4/coco-centernet
cp -r "${WANWU_HOME:-$HOME/.cache/wanwu}/models/coco-centernet-v2" benchmarks/device/gpu-4/coco-centernet   # carried by a fourth gather call
# The parts are made once: the provider library does not change with wanwu's code.
if [ ! -f benchmarks/device/gpu-3/providers_cuda.part2 ]; then
xz -T0 -6 -c /tmp/providers_cuda.so > /tmp/providers_cuda.so.xz
split -n 3 -d -a 1 /tmp/providers_cuda.so.xz /tmp/providers_cuda.part
for i in 1 2 3; do mv /tmp/providers_cuda.part$((i - 1)) benchmarks/device/gpu-$i/; done
fi
sha256sum /tmp/providers_cuda.so | cut -d' ' -f1 > benchmarks/device/main/providers_cuda.sha256
du -sh benchmarks/device/*
