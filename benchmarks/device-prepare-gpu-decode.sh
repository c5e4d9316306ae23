#!/usr/bin/env bash
# Packs benchmarks/device-gpu-decode.sh's carry, here (the device machine has no .NET): the GPU decode benchmark
# (benchmarks/GpuDecode) published self-contained, xz-packed under the 64 MiB a device call may carry (the publish is
# ~140 MB), and 50 shared photos for `make-set`. Carry benchmarks/device/gpudecode.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf benchmarks/device/gpudecode /tmp/gpudecode-sc && mkdir -p /tmp/gpudecode-sc
dotnet publish benchmarks/GpuDecode -c Release -r linux-x64 --self-contained -o benchmarks/device/gpudecode
mv benchmarks/device/gpudecode /tmp/gpudecode-sc/sc
rm -rf /tmp/gpudecode-sc/sc/*.pdb /tmp/gpudecode-sc/sc/*.xml
mkdir -p benchmarks/device/gpudecode/photos
tar cJf benchmarks/device/gpudecode/gpudecode.tar.xz -C /tmp/gpudecode-sc sc
ls ../shared/testdata/photos | head -50 | while read -r f; do cp "../shared/testdata/photos/$f" benchmarks/device/gpudecode/photos/; done
/tmp/gpudecode-sc/sc/GpuDecode benchmarks/device/gpudecode/photos --limit 4 --no-cpu | head -3
du -sh benchmarks/device/gpudecode
