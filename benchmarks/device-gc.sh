#!/usr/bin/env bash
# Garbage-collector modes against 16-core throughput (see docs/benchmarks.md).
set -u
source "$(dirname "$0")/device-env.sh"
$w bench make-set photos -o /tmp/set1080 --copies 40 > /dev/null
run() { local name=$1; shift; env "$@" $w tag /tmp/set1080 -o /tmp/g-$name -m models/st-mobilenet --no-isolation -q --overwrite >/dev/null; grep -E '"images_per_second"' /tmp/g-$name/summary.json | tr -d '\n'; echo " $name"; }
run default X=1
run wsgc DOTNET_gcServer=0
run heaps4 DOTNET_GCHeapCount=4
run default2 X=1
$w bench /tmp/set1080 -m models/st-mobilenet --ways decode --json | grep -E "images_per_second|cpu_util"
DOTNET_gcServer=0 $w bench /tmp/set1080 -m models/st-mobilenet --ways decode --json | grep -E "images_per_second|cpu_util"
