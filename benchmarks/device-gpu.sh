#!/usr/bin/env bash
# wanwu on the device machine's GPU (CUDA provider of ONNX Runtime's GPU build), packed by device-prepare-gpu.sh.
#   bash benchmarks/device-gpu.sh gather N   (N = 1, 2, …: one call each, carrying benchmarks/device/gpu-N)
#   bash benchmarks/device-gpu.sh [STEP…]    (carrying benchmarks/device/main: joins the parts, then measures each STEP)
set -euo pipefail
cd "$(dirname "$0")/device"
if [ "${1:-}" = gather ]; then mkdir -p /tmp/gpu-parts && cp -r gpu-"$2"/* /tmp/gpu-parts/ && ls -la /tmp/gpu-parts; exit; fi
out=${OUT:-$PWD/../device-out}; mkdir -p "$out"
w=/tmp/wanwu/sc/wanwu
# A call carrying main/ unpacks wanwu and keeps the photos and model for later calls (gputests carries only its tests).
if [ -f main/wanwu-sc.tar.xz ]; then
  mkdir -p /tmp/wanwu && tar xJf main/wanwu-sc.tar.xz -C /tmp/wanwu
  mkdir -p /tmp/shared/testdata /tmp/shared/models && cp -r main/photos /tmp/shared/testdata/ && cp -r main/models/st-mobilenet /tmp/shared/models/
  cp main/providers_cuda.sha256 /tmp/providers_cuda.sha256
fi
if [ ! -f /tmp/wanwu/sc/libonnxruntime_providers_cuda.so ]; then
  cat /tmp/gpu-parts/providers_cuda.part? | xz -d > /tmp/wanwu/sc/libonnxruntime_providers_cuda.so
  echo "$(cat /tmp/providers_cuda.sha256)  /tmp/wanwu/sc/libonnxruntime_providers_cuda.so" | sha256sum -c
fi
# wanwu finds CUDA 13's libraries under /usr/local/cuda-13.0 itself (it starts itself again with them on the loader's
# path); should that fail, say so and set the path here, so the measurements still run on the GPU.
if ! $w devices | grep -q "^providers:.*CUDAExecutionProvider"; then
  echo "wanwu did not find CUDA by itself: setting LD_LIBRARY_PATH"; $w devices
  export LD_LIBRARY_PATH=/usr/local/cuda-13.0/targets/x86_64-linux/lib:${LD_LIBRARY_PATH:-}
  $w devices | grep -q "^providers:.*CUDAExecutionProvider" || { echo "no CUDA provider: not measuring on the CPU"; $w devices; exit 1; }
fi
export WANWU_HOME=/tmp/wanwu-home
{ echo "date: $(date -u +%FT%TZ)"; echo "cores: $(nproc)"; grep -m1 'model name' /proc/cpuinfo
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; $w devices; } | tee "$out/machine.txt"
if [ ! -d /tmp/set1080 ]; then $w bench make-set /tmp/shared/testdata/photos -o /tmp/set1080 --copies ${COPIES:-40} > /dev/null; fi   # 2,000 images
if [ ! -d /tmp/resnest101 ]; then $w bench make-model -o /tmp/resnest101 > /dev/null; fi
m=/tmp/shared/models/st-mobilenet
c=/tmp/gpu-parts/coco-centernet
# /tmp/links-N: N links to the set's files, so that only the count grows.
links() { local n=$1 i=0; [ -d /tmp/links-$n ] && return; mkdir -p /tmp/links-$n
  while [ $i -lt $n ]; do for f in /tmp/set1080/*.jpg; do [ $i -ge $n ] && break; ln -s "$f" /tmp/links-$n/$i.jpg; i=$((i + 1)); done; done; }
# One configuration in its own process, so that a native crash ends only it; its log under $out.
try() { local name=$1; shift; echo "== $name: $*"; local rc=0; timeout 400 "$@" > "$out/$name.log" 2>&1 || rc=$?; echo "exit $rc"; grep -E "images_per_second|\"way\"|rror|fault|abort|Abort" "$out/$name.log" | head -20 || true; tail -3 "$out/$name.log"; }
for step in "${@:-all}"; do
case $step in
  diagnose)
    # The classifier head and the detector on the GPU, each in its own process, with .NET's crash report should one
    # crash natively (how the 1.29 build's GatherElements and Resize crashes were found); ONNX Runtime's placement log.
    export DOTNET_DbgEnableMiniDump=1 DOTNET_EnableCrashReport=1 DOTNET_DbgMiniDumpType=1 DOTNET_DbgMiniDumpName=/tmp/crash-%p
    try head-resnest $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda --ways model:fp16 --json
    WANWU_ORT_LOG=0 try head-mobilenet $w tag /tmp/shared/testdata/photos -m $m --device cuda -o /tmp/h1 --overwrite -q
    try detector $w tag /tmp/shared/testdata/photos -m $c --device cuda -o /tmp/d1 --overwrite -q
    for f in /tmp/*.crashreport.json; do [ -f "$f" ] && cp "$f" "$out/"; done
    grep -h -E "placed on" "$out"/head-mobilenet.log | head -10 || true
    for f in "$out"/*.log; do if [ "$(stat -c %s "$f")" -gt 2000000 ]; then xz -f "$f"; fi; done; ls -la "$out" ;;
  table)
    # The GPU issue's table in one run: naive, blog, decode on the CPU and on the GPU, the network alone and wanwu in
    # float32 and float16, side by side on the same 1080p set (docs/benchmarks.md).
    $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda --ways naive blog decode:cpu decode:gpu model:fp32 model:fp16 wanwu:fp32 wanwu:fp16 --naive-sample 2 --json > "$out/gpu-bench-table.json"
    cat "$out/gpu-bench-table.json" ;;
  tags)
    # wanwu tag end to end over 20,000 images (links to the set's 4,000 files, so only the count grows): fp16 and fp32
    # with nvJPEG decode, fp32 with CPU decode; fidelity between them; host memory at 1,000 and 20,000 images.
    ldconfig -p | grep -E "libcublasLt.so.13|libcudnn.so.9 " || echo "CUDA 13 / cuDNN not in ld.so.cache"
    links 1000; links 20000
    tag() { # NAME SET ARGS…: tags, samples the resident memory of wanwu's processes, keeps the summary
      local name=$1 set=$2; shift 2
      $w tag $set -o /tmp/tag-$name -m /tmp/resnest101 --device cuda --overwrite -q "$@" & local pid=$! peak=0 rss
      while kill -0 $pid 2>/dev/null; do
        rss=$(for p in $(pgrep -f "wanwu/sc/wanwu tag"); do awk '/VmRSS/{print $2}' /proc/$p/status 2>/dev/null; done | awk '{s+=$1} END {print s+0}')
        [ "$rss" -gt "$peak" ] && peak=$rss; sleep 0.5; done
      cp /tmp/tag-$name/summary.json "$out/tag-$name-summary.json"
      echo "$name: $(grep -h -E '"(total|images_per_second|precision|batch_size)"' /tmp/tag-$name/summary.json | tr -d '\n ') peak RSS $((peak / 1024)) MiB, GPU $(nvidia-smi --query-gpu=memory.used --format=csv,noheader)" | tee -a "$out/tags.txt"
    }
    tag fp16-1k /tmp/links-1000 --precision fp16
    tag fp16-20k /tmp/links-20000 --precision fp16
    tag fp32-20k /tmp/links-20000 --precision fp32
    tag fp32-cpudecode-20k /tmp/links-20000 --precision fp32 --no-gpu-decode
    python3 ../compare-runs.py /tmp/tag-fp32-20k/results.jsonl /tmp/tag-fp16-20k/results.jsonl | tee "$out/fidelity-fp16-vs-fp32.txt"
    python3 ../compare-runs.py /tmp/tag-fp32-cpudecode-20k/results.jsonl /tmp/tag-fp32-20k/results.jsonl | tee "$out/fidelity-nvjpeg-vs-cpu.txt" ;;
  onepass)
    # Classifier + detector + OCR in one pass against three runs (benchmarks/one-pass-vs-three.sh), on the 16 cores and
    # on the GPU; the built-in models ride with the last provider part (the machine reaches no registry).
    mkdir -p "$WANWU_HOME/models" && cp -r /tmp/gpu-parts/coco-centernet "$WANWU_HOME/models/coco-centernet-v2" && cp -r /tmp/gpu-parts/ppocr "$WANWU_HOME/models/ppocr"
    (cd ../.. && rm -rf bin && ln -s /tmp/wanwu/sc bin && chmod +x benchmarks/one-pass-vs-three.sh)
    for dev in ${ONEPASS_DEVICES:-cpu cuda}; do
      echo "== --device $dev"; WANWU_TAG_ARGS="--device $dev" ../one-pass-vs-three.sh /tmp/shared/testdata/photos ${ONEPASS_COPIES:-4} $m 1 2>&1 | tee -a "$out/onepass-$dev.txt"
    done ;;
  sweep)
    # wanwu tag fp16 over 20,000 images (links made by the tags step) with more sessions per GPU and other batch sizes:
    # is the end-to-end run held back by the sessions' own CPU work or by the GPU's decoder?
    links 20000
    [ -n "${SHARES:-}" ] || for args in "" "--devices cuda:0,cuda:0" "-b 256" "-b 64"; do
      $w tag /tmp/links-20000 -o /tmp/sweep -m /tmp/resnest101 --device cuda --overwrite -q --precision fp16 $args
      echo "fp16 20k ${args:-default}: $(grep -h -E '"(images_per_second|batch_size)"' /tmp/sweep/summary.json | tr -d '\n ')" | tee -a "$out/sweep.txt"
    done
    # The share of JPEGs the CPU decodes beside nvJPEG, fixed (WANWU_CPU_JPEG_SHARE) on top of the device-behind rule.
    for share in ${SHARES:-}; do
      WANWU_CPU_JPEG_SHARE=$share $w tag /tmp/links-20000 -o /tmp/sweep -m /tmp/resnest101 --device cuda --overwrite -q --precision fp16
      echo "fp16 20k CPU share $share: $(grep -h -E '"images_per_second"' /tmp/sweep/summary.json | tr -d '\n ')" | tee -a "$out/sweep.txt"
    done ;;
  watch)
    # Where a GPU run's time goes without a profiler: the GPU's SM and JPEG-engine use each second (nvidia-smi dmon),
    # the process's CPU use and its busiest threads, sampled once the run is under way (wanwu tag fp16, 20,000 images).
    links 20000; rm -rf /tmp/watch
    nvidia-smi dmon -s u -d 1 > "$out/dmon.txt" 2>&1 & dmon=$!
    $w tag /tmp/links-20000 -o /tmp/watch -m /tmp/resnest101 --device cuda --overwrite -q --precision fp16 & tagpid=$!
    for _ in $(seq 240); do [ "$(cat /tmp/watch/results.jsonl 2>/dev/null | wc -l)" -gt 3000 ] && break; sleep 0.5; done
    pid=$(pgrep -f "wanwu/sc/wanwu tag" | tail -1)
    t0=$(awk '{print $14+$15}' /proc/$pid/stat); sleep 5; t1=$(awk '{print $14+$15}' /proc/$pid/stat)
    echo "CPU $(( (t1 - t0) / 5 ))% of one core over 5 s" | tee -a "$out/watch.txt"
    top -H -b -n 1 -p $pid | head -40 > "$out/top.txt"
    wait $tagpid; kill $dmon
    echo "$(grep -h '"images_per_second"' /tmp/watch/summary.json | tr -d ' \n')" | tee -a "$out/watch.txt" ;;
  twogpu)
    # Issue #17 on the two-GPU machine: decode alone (CPU, nvJPEG on GPU 0, nvJPEG on both), then wanwu tag fp16 over 20,000 images
    # on one GPU and on both (one queue feeding a session pair per GPU), and the two runs' records compared image for image.
    nvidia-smi -L | tee "$out/twogpu.txt"; links 20000
    $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda --ways decode:cpu decode:gpu --json > "$out/twogpu-decode.json"
    grep -E '"(way|images_per_second)"' "$out/twogpu-decode.json" | paste - - | tee -a "$out/twogpu.txt"
    $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda:0,cuda:1 --ways decode:gpu --json > "$out/twogpu-decode2.json"
    echo "nvJPEG on both GPUs: $(grep -h '"images_per_second"' "$out/twogpu-decode2.json" | tr -d ' ')" | tee -a "$out/twogpu.txt"
    $w tag /tmp/links-20000 -o /tmp/one-gpu -m /tmp/resnest101 --device cuda:0 --overwrite -q --precision fp16
    $w tag /tmp/links-20000 -o /tmp/two-gpu -m /tmp/resnest101 --devices 0,1 --overwrite -q --precision fp16
    for r in one-gpu two-gpu; do echo "$r: $(grep -h -E '"(total|failed|images_per_second|execution_provider|device)"' /tmp/$r/summary.json | tr -d '\n ')"; done | tee -a "$out/twogpu.txt"
    python3 - /tmp/one-gpu/results.jsonl /tmp/two-gpu/results.jsonl <<'PY' | tee -a "$out/twogpu.txt"
import json, sys
def load(p):
    out = {}
    for line in open(p):
        r = json.loads(line)
        out[r["path"]] = [(l["id"], round(l["score"], 4)) for l in r.get("labels", [])]
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
same = sum(1 for k in a if b.get(k) == a[k])
top1 = sum(1 for k in a if b.get(k) and a[k] and b[k][0][0] == a[k][0][0])
print(f"records: one GPU {len(a)}, two GPUs {len(b)}; labels and scores (4 decimals) equal on {same}; top-1 equal on {top1}")
PY
    ;;
  gputests)
    # The tests that need a GPU, built by benchmarks/device-prepare-gpu-tests.sh, with the shared photos and model
    # that travel in main/ (WANWU_SHARED); tests needing more of ../shared skip with their reason.
    rm -rf gt && tar xJf gputests/tests.tar.xz && cp /tmp/wanwu/sc/libonnxruntime_providers_cuda.so gt/
    WANWU_SHARED=/tmp/shared ./gt/Wanwu.Tests -class Wanwu.Tests.NvJpegBatchDecoderTests -class Wanwu.Tests.DeviceTests -class Wanwu.Tests.GpuRoutingTests -class Wanwu.Tests.GpuImageLoaderTests -class Wanwu.Tests.DeviceGraphTests 2>&1 | tee "$out/gputests.txt" | grep -E "\[FAIL\]|\[SKIP\]|Total:|Failed|skipped|Skipped" | head -40 ;;
  layout)
    # The network's layout: NCHW (ONNX Runtime's default) against wanwu's NHWC, same run.
    for o in prefer_nhwc=0 prefer_nhwc=1; do
      WANWU_CUDA_OPTIONS="$o" $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda --ways model:fp16 model:fp32 --json > "$out/gpu-bench-$o.json"
      echo "$o"; grep -E '"(way|images_per_second)"' "$out/gpu-bench-$o.json"
    done ;;
  small)
    for model in $m $c; do
      $w bench /tmp/set1080 -m $model --device cuda --ways decode:gpu model wanwu --json > "$out/gpu-bench-$(basename $model).json"
      grep -E '"(way|images_per_second)"' "$out/gpu-bench-$(basename $model).json"
    done ;;
  all|resnest)
    $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda --ways naive blog decode model wanwu --naive-sample 8 --limit 1000 --json > "$out/gpu-bench-1080p-resnest101.json"
    cat "$out/gpu-bench-1080p-resnest101.json" ;;&
  all|mobilenet)
    $w bench /tmp/set1080 -m $m --device cuda --ways naive blog decode model wanwu --naive-sample 20 --json > "$out/gpu-bench-1080p-mobilenet.json"
    cat "$out/gpu-bench-1080p-mobilenet.json" ;;&
  all|tag)
    $w tag /tmp/set1080 -o /tmp/gpu-tag -m /tmp/resnest101 --device cuda --overwrite -q
    cp /tmp/gpu-tag/summary.json "$out/gpu-tag-resnest101-summary.json"; head -c 600 /tmp/gpu-tag/summary.json ;;&
  all|torch)
    python3 ../device-torch-reference.py | tee "$out/gpu-torch-resnest101e.jsonl" ;;&
  profile)
    # Where the float16 network's GPU time goes, by kernel: Nsight Systems where the toolkit has it (ONNX Runtime's own
    # profile times a CUDA node's launch, not its kernel). cuDNN's kernel search at the start is in the sum too.
    nsys=$(ls /usr/local/cuda*/bin/nsys /opt/nvidia/nsight-systems*/bin/nsys 2>/dev/null | head -1 || true)
    if [ -n "$nsys" ]; then
      $nsys profile -o /tmp/prof --force-overwrite true -t cuda $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda --ways model:fp16 > "$out/profile.log" 2>&1 || tail "$out/profile.log"
      $nsys stats -r cuda_gpu_kern_sum -f csv -o /tmp/kern /tmp/prof.nsys-rep > /dev/null 2>&1 || true
      cut -c1-220 /tmp/kern*.csv | head -45 | tee "$out/kernels.txt"
    else
      echo "no nsys: ONNX Runtime's profile (launch times)"
      WANWU_ORT_PROFILE=/tmp/ort-profile $w bench /tmp/set1080 -m /tmp/resnest101 --device cuda --ways model:fp16 --limit 1024 > "$out/profile.log" 2>&1
      python3 ../ort-profile-summary.py /tmp/ort-profile*.json | tee "$out/ort-profile.txt"
    fi ;;
esac
done
