#!/usr/bin/env bash
# Runs wanwu's benchmarks on a larger machine that has no .NET: a self-contained build, photos and models are
# carried in benchmarks/device/ (made by benchmarks/device-prepare.sh). Results go to $OUT (or ./device-out).
source "$(dirname "$0")/device-env.sh"
export WANWU_HOME=/tmp/wanwu-home
cores=$(nproc)
{
  echo "date: $(date -u +%FT%TZ)"; echo "cores: $cores"; grep -m1 'model name' /proc/cpuinfo; free -g | head -2
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
} > "$out/machine.txt"
# 1080p "product photos": 50 real photos x 40 copies = 2,000 JPEGs.
$w bench make-set photos -o /tmp/set1080 --copies 40 > /dev/null
mkdir -p /tmp/set1080-1k && ls /tmp/set1080 | sed -n 1,1000p | while read -r f; do ln -sf /tmp/set1080/$f /tmp/set1080-1k/$f; done
# ~500x375 originals, linked 400 times each = 20,000 files, for memory flatness.
rm -rf /tmp/small20k /tmp/small1k; mkdir -p /tmp/small20k /tmp/small1k
for i in $(seq 1 400); do for f in photos/*; do ln -sf "$PWD/$f" "/tmp/small20k/${i}_$(basename "$f")"; done; done
for i in $(seq 1 20); do for f in photos/*; do ln -sf "$PWD/$f" "/tmp/small1k/${i}_$(basename "$f")"; done; done

m=models/st-mobilenet
# Scaling: one core against all cores, same pipeline.
taskset -c 0 $w tag /tmp/set1080-1k -o /tmp/o1 -m $m -j 1 --inference-threads 1 --no-isolation -q --overwrite
$w tag /tmp/set1080 -o /tmp/oN -m $m --no-isolation -q --overwrite
cp /tmp/o1/summary.json "$out/scaling-1core.json"; cp /tmp/oN/summary.json "$out/scaling-allcores.json"
# Side by side, with decode-only and model-only for the ceiling.
$w bench /tmp/set1080 -m $m --json --plot "$out/bench-1080p-mobilenet.png" > "$out/bench-1080p-mobilenet.json"
[ ! -d models/coco-centernet ] || $w bench /tmp/set1080 -m models/coco-centernet --limit 1000 --json > "$out/bench-1080p-centernet.json"
# Memory flat in the number of images.
$w bench /tmp/small1k -m $m --ways wanwu --json > "$out/memory-1k.json"
$w bench /tmp/small20k -m $m --ways wanwu --json > "$out/memory-20k.json"
ls -la "$out"
