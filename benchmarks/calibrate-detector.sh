#!/usr/bin/env bash
# Threshold curve of the built-in detector on real photos (docs/detector-calibration.md).
#
# Tags the shared ImageNet photos (../shared/testdata/photos) plus the real photos two packages ship (the demo photos
# of npm @vladmandic/human, which `wanwu demo` uses, and the sample photos of Debian's darknet package) once, at a
# score threshold so low that every class's best score and every box survive, then prints per threshold what a run
# at that threshold would have written, against benchmarks/calibrate-detector/truth.tsv (what a person sees in each
# photo). Needs: dotnet, npm, python3; apt-get (optional: without it the darknet photos are left out).
#
# usage: benchmarks/calibrate-detector.sh [WORK_DIR]    (default: a new temporary folder)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d /tmp/wanwu-calibrate-XXXXXX)}"
shared="${WANWU_SHARED:-$repo/../shared}"
mkdir -p "$work/human" "$work/darknet"

dotnet build "$repo/src/Wanwu.Cli" -v q -nologo >/dev/null
wanwu=("dotnet" "$(find "$repo/src/Wanwu.Cli/bin" -name wanwu.dll -path '*Debug*' | head -1)")

# The same pinned package the built-in model comes from; its demo photos show people.
(cd "$work" && npm pack @vladmandic/human@3.3.6 --silent >/dev/null && tar xzf vladmandic-human-3.3.6.tgz package/assets)
cp "$work"/package/assets/{samples.jpg,screenshot-facedetect.jpg,screenshot-facematch.jpg} "$work/human/"

# darknet's classic sample photos (a dog with a bicycle, a person with a dog and a horse, horses, an eagle, ...).
if (cd "$work" && apt-get download darknet >/dev/null 2>&1); then
  dpkg-deb -x "$work"/darknet_*.deb "$work/deb"
  for p in dog eagle giraffe horses kite person; do cp "$work/deb/usr/share/darknet/data/$p.jpg" "$work/darknet/"; done
else
  echo "apt-get download darknet failed: the darknet photos are left out (truth.tsv rows without a result are an error: drop them)" >&2
fi

"${wanwu[@]}" tag "$shared/testdata/photos" "$work/human" "$work/darknet" -o "$work/out" \
  --score-threshold 0.01 --top-k 80 --max-detections 100000 --overwrite --quiet >&2
python3 "$repo/benchmarks/calibrate-detector/curve.py" "$work/out/results.jsonl" "$repo/benchmarks/calibrate-detector/truth.tsv" "${@:2}"
