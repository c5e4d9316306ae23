#!/usr/bin/env bash
# Packs what benchmarks/device-run.sh needs on a machine without .NET: a self-contained build (xz, under the 64 MiB
# a device run may carry), 50 of the shared photos, the shared MobileNet and the converted built-in model.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf /tmp/sc benchmarks/device/{wanwu-sc.tar.xz,photos,models} && mkdir -p benchmarks/device/photos benchmarks/device/models
dotnet publish src/Wanwu.Cli -c Release -r linux-x64 --self-contained -o /tmp/sc -p:InvariantGlobalization=true
rm -rf /tmp/sc/*.pdb /tmp/sc/*.xml /tmp/sc/{cs,de,es,fr,it,ja,ko,pl,pt-BR,ru,tr,zh-Hans,zh-Hant}
tar cJf benchmarks/device/wanwu-sc.tar.xz -C /tmp sc
ls ../shared/testdata/photos | head -50 | while read -r f; do cp "../shared/testdata/photos/$f" benchmarks/device/photos/; done
cp -r ../shared/models/st-mobilenet benchmarks/device/models/
bin/wanwu models fetch > /dev/null
mkdir -p benchmarks/device/models/coco-centernet
cp "${WANWU_HOME:-$HOME/.cache/wanwu}"/models/coco-centernet/{model.onnx,wanwu.json,labels.tsv} benchmarks/device/models/coco-centernet/
du -sh benchmarks/device
