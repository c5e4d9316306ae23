#!/usr/bin/env bash
# Why decode alone does not scale to 16 cores in one process: decode-only on 1 core and on all cores, with the
# kernel's view of each child (user and system CPU, page faults, context switches), and under glibc malloc settings.
# Carries benchmarks/device/main (device-prepare-gpu.sh); needs no GPU.
set -euo pipefail
cd "$(dirname "$0")/device"
out=${OUT:-$PWD/../device-out}; mkdir -p "$out"
mkdir -p /tmp/wanwu && tar xJf main/wanwu-sc.tar.xz -C /tmp/wanwu
w=/tmp/wanwu/sc/wanwu; export WANWU_HOME=/tmp/wanwu-home
[ -d /tmp/set1080 ] || $w bench make-set main/photos -o /tmp/set1080 --copies 40 > /dev/null
m=main/models/st-mobilenet
run() { # label, then the command; prints images/s and the children's rusage
  local label=$1; shift
  python3 - "$label" "$@" <<'PY'
import json, resource, subprocess, sys
label, cmd = sys.argv[1], sys.argv[2:]
r = subprocess.run(cmd, capture_output=True, text=True)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
res = json.loads(r.stdout)["results"][0] if r.returncode == 0 else {"error": r.stderr[-300:]}
print(json.dumps({"label": label, "images_per_second": res.get("images_per_second"), "seconds": res.get("seconds"),
  "user_s": round(u.ru_utime, 1), "sys_s": round(u.ru_stime, 1), "minor_faults": u.ru_minflt,
  "voluntary_switches": u.ru_nvcsw, "involuntary_switches": u.ru_nivcsw, **({"error": res["error"]} if "error" in res else {})}))
PY
}
b="$w bench /tmp/set1080 -m $m --ways decode --json"
{
  run "1 core" taskset -c 0 $b --limit 300
  run "4 cores" taskset -c 0-3 $b --limit 1000
  run "16 cores" $b
  MALLOC_ARENA_MAX=2 run "16 cores, MALLOC_ARENA_MAX=2" $b
  GLIBC_TUNABLES=glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=1073741824:glibc.malloc.top_pad=67108864 run "16 cores, no trim/mmap" $b
  DOTNET_GCHeapHardLimit= DOTNET_gcConcurrent=0 run "16 cores, GC not concurrent" $b
} | tee "$out/decode-scaling.jsonl"
