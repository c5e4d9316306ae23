#!/usr/bin/env bash
# One pass of a classifier + the detector + OCR against three separate runs of them, on the same photos, with a
# published wanwu: the wall time of each (what a user waits, model loading included), OCR's own speed, and where the
# one-pass run's time goes (summary.json's speed shares).
# Usage: benchmarks/one-pass-vs-three.sh [PHOTOS_DIR] [COPIES] [CLASSIFIER] [ROUNDS]
#   PHOTOS_DIR defaults to ../shared/testdata/photos, COPIES (default 2) repeats them (100 photos × 2 = 200 images),
#   CLASSIFIER defaults to ../shared/models/st-mobilenet (wanwu-general where ModelScope is reachable), ROUNDS
#   (default 2) repeats the comparison, alternating which comes first, because a shared machine's load drifts.
# WANWU_TAG_ARGS adds arguments to every run (e.g. "--device cpu" on a GPU machine).
# Needs bin/wanwu (dotnet publish src/Wanwu.Cli -c Release -o bin; built here if missing) and npm for the built-in models.
set -euo pipefail
cd "$(dirname "$0")/.."
photos=${1:-../shared/testdata/photos}
copies=${2:-2}
classifier=${3:-../shared/models/st-mobilenet}
rounds=${4:-2}
[ -x bin/wanwu ] || dotnet publish src/Wanwu.Cli -c Release -o bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 "$copies"); do mkdir -p "$work/set/$i" && cp "$photos"/* "$work/set/$i/"; done
images=$(find "$work/set" -type f | wc -l)
models=("$classifier" coco-centernet ppocr)

# Fetch and convert every model first, so no timed run pays for it.
one=$(find "$work/set" -type f -print -quit)
extra=(${WANWU_TAG_ARGS:-})
for m in "${models[@]}"; do bin/wanwu tag "$one" -m "$m" -o "$work/warm" --overwrite -q "${extra[@]}" >/dev/null; done

seconds() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
# "WALL CPU": seconds of wall time and of CPU time (user + system, every process of the run: the CPU time shows the
# work done even when other tenants of a shared machine take cores away from the wall time).
timed() { python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.time()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{time.time() - start:.1f} {r.ru_utime + r.ru_stime:.1f}")
PY
}

three() {
  local wall=0 cpu=0 t
  for m in "${models[@]}"; do
    t=$(timed bin/wanwu tag "$work/set" -m "$m" -o "$work/sep-$(basename "$m")" --overwrite -q "${extra[@]}")
    echo "    $(basename "$m") alone: ${t% *} s wall, ${t#* } s CPU, $(seconds "$work/sep-$(basename "$m")/summary.json" images_per_second) img/s in the run" >&2
    wall=$(python3 -c "print(f'{$wall + ${t% *}:.1f}')"); cpu=$(python3 -c "print(f'{$cpu + ${t#* }:.1f}')")
  done
  echo "$wall $cpu"
}

one_pass() {
  timed bin/wanwu tag "$work/set" -m "$classifier" -m coco-centernet -m ppocr -o "$work/one" --overwrite -q "${extra[@]}"
}

echo "$(date -u '+%F %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$images images from $photos; models: ${models[*]}"
echo "| round | three runs: wall s | CPU s | one pass: wall s | CPU s | one pass img/s | speed-up (wall) | CPU saved |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for r in $(seq 1 "$rounds"); do
  if (( r % 2 )); then sep=$(three); one=$(one_pass); else one=$(one_pass); sep=$(three); fi
  read -r sw sc <<< "$sep"; read -r ow oc <<< "$one"
  echo "| $r | $sw | $sc | $ow | $oc | $(python3 -c "print(f'{$images / $ow:.2f}')") | $(python3 -c "print(f'{$sw / $ow:.2f}')")× | $(python3 -c "print(f'{(1 - $oc / $sc) * 100:.0f}')") % |"
done
echo "where the one pass's inference time went (summary.json models[].share):"
python3 - "$work/one/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for m in s["models"]:
    print(f"  {m['name']}: {m['seconds']:.1f} s, {m['share'] * 100:.1f} %")
PY
