#!/usr/bin/env bash
# Is the 16-core shortfall wanwu's or the machine's? One single-core wanwu process alone, then sixteen single-core
# processes at once (each pinned to its own core, each on its own sixteenth of 2,000 1080p photos): if sixteen
# independent processes also fall short of 16x, the limit is shared by the cores (memory, caches, clock), not
# wanwu's pipeline. Then one process on all cores. Needs benchmarks/device (benchmarks/device-prepare.sh).
source "$(dirname "$0")/device-env.sh"
m=$PWD/models/st-mobilenet
$w bench make-set photos -o /tmp/set1080 --copies 40 > /dev/null
rm -rf /tmp/part*; i=0
for f in $(ls /tmp/set1080); do d=/tmp/part$((i % 16)); mkdir -p $d; ln -s /tmp/set1080/$f $d/$f; i=$((i + 1)); done
one() { taskset -c "$1" $w tag "/tmp/part$1" -o "/tmp/p$1" -m "$m" -j 1 --inference-threads 1 --no-isolation -q --overwrite > /dev/null; }
one 0; one 0
echo "1 process, 1 core: $(grep -o '"images_per_second": [0-9.]*' /tmp/p0/summary.json)" | tee "$out/scaling.txt"
start=$(date +%s.%N)
for c in $(seq 0 15); do one "$c" & done; wait
end=$(date +%s.%N)
echo "16 processes, 1 core each: $(python3 -c "print(round(2000/($end-$start),1))" 2>/dev/null || echo "2000 images in $(echo "$end - $start" | bc) s") img/s over the wall time; per process: $(cat /tmp/p*/summary.json | grep -o '"images_per_second": [0-9.]*' | awk '{s+=$2} END {print s}') img/s summed" | tee -a "$out/scaling.txt"
$w tag /tmp/set1080 -o /tmp/all -m "$m" --no-isolation -q --overwrite > /dev/null
echo "1 process, 16 cores: $(grep -o '"images_per_second": [0-9.]*' /tmp/all/summary.json)" | tee -a "$out/scaling.txt"
