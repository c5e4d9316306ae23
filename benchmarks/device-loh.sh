#!/usr/bin/env bash
# Does allocation of decoded images on the large-object heap (150 KB each at 224x224) hold 16 cores back?
# The same runs with the runtime's default LOH threshold (85,000 bytes) and with 2 MB (decoded images then live in gen0).
source "$(dirname "$0")/device-env.sh"
m=$PWD/models/st-mobilenet
$w bench make-set photos -o /tmp/set1080 --copies 40 > /dev/null
for round in 1 2; do
  for loh in default 0x200000; do
    if [ $loh = default ]; then unset DOTNET_GCLOHThreshold; else export DOTNET_GCLOHThreshold=$loh; fi
    $w tag /tmp/set1080 -o /tmp/l -m "$m" --no-isolation -q --overwrite > /dev/null
    echo "round $round LOH $loh tag: $(grep -o '"images_per_second": [0-9.]*' /tmp/l/summary.json)" | tee -a "$out/loh.txt"
    $w bench /tmp/set1080 -m "$m" --ways decode --json | grep -o '"images_per_second": [0-9.]*\|"cpu_utilisation": [0-9.]*' | tr '\n' ' ' | sed "s/^/round $round LOH $loh decode: /" | tee -a "$out/loh.txt"; echo
  done
done
