#!/usr/bin/env bash
# The heavy network on the device machine's CPUs: a ResNeSt-101 of ModelScope 万物识别's exact shape (54,092 classes,
# random weights: `wanwu bench make-model`), 1080p photos, the three ways plus decode-only and model-only; and the
# CPU topology, which the 16-core scaling figure depends on. Needs benchmarks/device (benchmarks/device-prepare.sh).
source "$(dirname "$0")/device-env.sh"
{ echo "date: $(date -u +%FT%TZ)"; lscpu; } > "$out/machine.txt"
$w bench make-set photos -o /tmp/set1080 --copies 20 > /dev/null   # 1,000 images
$w bench make-model -o /tmp/resnest101 > /dev/null
$w bench /tmp/set1080 -m /tmp/resnest101 --ways naive blog decode model wanwu --naive-sample 4 --json > "$out/bench-1080p-resnest101.json"
cat "$out/bench-1080p-resnest101.json"
# Sessions against threads for the heavy network: the default (a session per two cores) and one per core.
for t in 0 1 4; do
  $w tag /tmp/set1080 -o /tmp/rs-t$t -m /tmp/resnest101 --no-isolation -q --overwrite --inference-threads $t
  cp /tmp/rs-t$t/summary.json "$out/resnest101-tag-threads$t.json"
  echo "inference threads $t: $(grep -o '"images_per_second": [0-9.]*' "$out/resnest101-tag-threads$t.json")"
done
