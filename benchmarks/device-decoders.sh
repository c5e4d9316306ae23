#!/usr/bin/env bash
# Decoders per core on 16 cores: does over-subscribing the decoders fill the quarter of the CPU decode leaves idle?
source "$(dirname "$0")/device-env.sh"
m=$PWD/models/st-mobilenet
$w bench make-set photos -o /tmp/set1080 --copies 40 > /dev/null
for round in 1 2; do
  for j in 16 24 32 48; do
    $w tag /tmp/set1080 -o /tmp/d -m "$m" --no-isolation -q --overwrite -j $j > /dev/null
    echo "round $round -j $j: $(grep -o '"images_per_second": [0-9.]*' /tmp/d/summary.json)" | tee -a "$out/decoders.txt"
  done
done
