#!/usr/bin/env bash
# Packs wanwu's tests, built against ONNX Runtime's GPU package, for the device machine (no .NET there): the tests
# that skip on CI for want of a GPU run there (`bash benchmarks/device-gpu.sh gputests`, after `gather 1..N`, carrying
# benchmarks/device/gputests). The CUDA provider library comes from the gathered parts, not from this archive.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf /tmp/gt benchmarks/device/gputests && mkdir -p benchmarks/device/gputests
dotnet publish tests/Wanwu.Tests -c Release -r linux-x64 --self-contained -o /tmp/gt -p:OnnxRuntimeGpu=true -p:InvariantGlobalization=true
rm -rf /tmp/gt/*.pdb /tmp/gt/libonnxruntime_providers_cuda.so /tmp/gt/libonnxruntime_providers_tensorrt.so /tmp/gt/{cs,de,es,fr,it,ja,ko,pl,pt-BR,ru,tr,zh-Hans,zh-Hant} /tmp/gt/.playwright /tmp/gt/libduckdb.so /tmp/gt/Microsoft.CodeAnalysis*.dll
# (DuckDB and Roslyn serve CI's output and API tests, not these; without them the archive fits a device call.)
tar cf - -C /tmp gt | xz -6 -T2 > benchmarks/device/gputests/tests.tar.xz
du -sh benchmarks/device/gputests
