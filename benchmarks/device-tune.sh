#!/usr/bin/env bash
# Sessions x threads on a many-core machine (see docs/benchmarks.md); run where benchmarks/device/ was prepared.
set -u
source "$(dirname "$0")/device-env.sh"
$w bench make-set photos -o /tmp/set1080 --copies 20 > /dev/null
run() { local name=$1; shift; $w tag /tmp/set1080 -o /tmp/t-$name --no-isolation -q --overwrite "$@"; python3 -c "import json;d=json.load(open('/tmp/t-$name/summary.json'));print('$name', d['images_per_second'], d['batch_size'], d['execution_provider'])" 2>/dev/null || grep -E '"images_per_second"|"batch_size"' /tmp/t-$name/summary.json | tr -d '\n'; echo " $name"; }
m=models/st-mobilenet
run s1t16 -m $m --inference-threads 16
run s2t8 -m $m --devices cpu,cpu --inference-threads 8
run s4t4 -m $m --devices cpu,cpu,cpu,cpu --inference-threads 4
run s8t2 -m $m --devices cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu --inference-threads 2
run s4t4b16 -m $m --devices cpu,cpu,cpu,cpu --inference-threads 4 -b 16
run s8t2b16 -m $m --devices cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu --inference-threads 2 -b 16
c=models/coco-centernet
run c1t16 -m $c --inference-threads 16 
run c4t4 -m $c --devices cpu,cpu,cpu,cpu --inference-threads 4
run c8t2 -m $c --devices cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu --inference-threads 2
