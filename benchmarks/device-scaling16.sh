#!/usr/bin/env bash
# The 16-core target of issue #4 on a run long enough that the one-off start (model load, batch probe) does not
# weigh: wanwu tag on one pinned core (1,000 1080p photos) against all cores (10,000), MobileNetV2 int8, CPU.
# Carries benchmarks/device/{wanwu-sc.tar.xz,photos,models/st-mobilenet} (benchmarks/device-prepare.sh).
source "$(dirname "$0")/device-env.sh"
export WANWU_HOME=/tmp/wanwu-home
$w bench make-set photos -o /tmp/set10k --copies 200 > /dev/null
mkdir -p /tmp/set1k && ls /tmp/set10k | sed -n 1,1000p | while read -r f; do ln -sf /tmp/set10k/$f /tmp/set1k/$f; done
m=models/st-mobilenet
taskset -c 0 $w tag /tmp/set1k -o /tmp/s1 -m $m -j 1 --inference-threads 1 --no-isolation -q --overwrite
$w tag /tmp/set10k -o /tmp/s16 -m $m --no-isolation -q --overwrite
cp /tmp/s1/summary.json "$out/scaling16-1core.json"; cp /tmp/s16/summary.json "$out/scaling16-16cores.json"
for f in scaling16-1core scaling16-16cores; do echo "$f $(grep -o '"images_per_second": [0-9.]*' "$out/$f.json")"; done
