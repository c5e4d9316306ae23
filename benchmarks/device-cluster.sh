#!/usr/bin/env bash
# Cluster scaling on one large machine: 1, 2 and 4 `wanwu worker` processes of 4 cores each (pinned with taskset, so
# each stands for a 4-core machine), development clustering, 2,000 1080p photos, the shared MobileNet; then one
# 16-core worker and the single-machine run for comparison. Shards of $SHARD_SIZE (250) images. Needs benchmarks/device (benchmarks/device-prepare.sh).
source "$(dirname "$0")/device-env.sh"
m=$PWD/models/st-mobilenet
{ echo "date: $(date -u +%FT%TZ)"; echo "cores: $(nproc)"; grep -m1 'model name' /proc/cpuinfo; } > "$out/machine.txt"
$w bench make-set photos -o /tmp/set1080 --copies 40 > /dev/null
$w tag /tmp/set1080 -o /tmp/warm -m "$m" -q --no-isolation > /dev/null   # page cache warm for every run below

run_cluster() { # name, then one taskset core list per worker
  local name=$1; shift
  local pids=() i=0
  for cores in "$@"; do
    taskset -c "$cores" $w worker --cluster local --silo-port $((11111 + i)) --gateway-port $((30000 + i)) > "/tmp/worker-$name-$i.log" 2>&1 &
    pids+=($!)
    until grep -q "worker ready" "/tmp/worker-$name-$i.log"; do sleep 0.2; done
    i=$((i + 1))
  done
  # Twice: the first run loads the model and probes the batch size in every worker; workers that stay up (nightly
  # jobs) start the next run with the model loaded, which is the second figure.
  $w tag --cluster local /tmp/set1080 -o "/tmp/c-$name" -m "$m" --shard-size "${SHARD_SIZE:-250}" -q --overwrite > /dev/null
  cp "/tmp/c-$name/summary.json" "$out/cluster-$name-cold.json"
  echo "$name cold: $(grep -o '"images_per_second": [0-9.]*' "$out/cluster-$name-cold.json")" | tee -a "$out/cluster.txt"
  $w tag --cluster local /tmp/set1080 -o "/tmp/c-$name" -m "$m" --shard-size "${SHARD_SIZE:-250}" -q --overwrite > /dev/null
  cp "/tmp/c-$name/summary.json" "$out/cluster-$name.json"
  kill "${pids[@]}"; wait "${pids[@]}" 2> /dev/null || true
  echo "$name: $(grep -o '"images_per_second": [0-9.]*' "$out/cluster-$name.json")" | tee -a "$out/cluster.txt"
}
run_cluster 1x4 0-3
run_cluster 2x4 0-3 4-7
run_cluster 4x4 0-3 4-7 8-11 12-15
run_cluster 1x16 0-15
taskset -c 0-3 $w tag /tmp/set1080 -o /tmp/single4 -m "$m" -q --no-isolation --overwrite > /dev/null
cp /tmp/single4/summary.json "$out/single-4cores.json"
echo "single 4 cores: $(grep -o '"images_per_second": [0-9.]*' "$out/single-4cores.json")" | tee -a "$out/cluster.txt"
$w tag /tmp/set1080 -o /tmp/single16 -m "$m" -q --no-isolation --overwrite > /dev/null
cp /tmp/single16/summary.json "$out/single-16cores.json"
echo "single 16 cores: $(grep -o '"images_per_second": [0-9.]*' "$out/single-16cores.json")" | tee -a "$out/cluster.txt"
