"""What caps nvJPEG's batched decode of 1080p JPEGs on a GPU (issue #12): wanwu's calls, varied one at a time.

    python3 benchmarks/nvjpeg-study.py FOLDER [--part decode|scale|scaledims|overlap|alloc|all] [--images 4000]
                                              [--batch 128] [--seconds 3]

FOLDER holds 1080p JPEGs (`wanwu bench make-set`); they are repeated to --images and held in memory, so reading is
not measured. Each line times one variant after a warm-up batch, the GPU synchronised at the end of every batch as
wanwu's decoder does. Parts:
  decode     torchvision's batched decode_jpeg (the reference), then nvJPEG through ctypes with the hardware backend:
             threads with their own handle or one shared, interleaved against planar output, wanwu's per-file
             checks, page-locked input, NPP's resize per image, the default and GPU-hybrid backends
  scale      nvjpegDecodeBatchedEx with a scale factor (1/2, 1/4, 1/8) per image
  scaledims  which pixels a scaled decode writes, for sizes that do not divide
  overlap    decoding beside a network on its own stream (torchvision ResNet-101, FP16), as a session runs beside it
  alloc      whether nvJPEG allocates batch after batch (counted through nvjpegCreateExV2's allocators)
Prints one JSON line per variant. For measurement on the device machine only (PyTorch is there; wanwu has no Python).
"""
import ctypes, ctypes.util, glob, json, os, sys, threading, time

import torch, torchvision
from torchvision.io import decode_jpeg

args = sys.argv[1:]
folder = args[0]
def opt(name, default):
    return type(default)(args[args.index(name) + 1]) if name in args else default
IMAGES, BATCH, SECONDS = opt("--images", 4000), opt("--batch", 128), opt("--seconds", 3.0)

names = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.lower().endswith(".jpg"))
blobs = [open(n, "rb").read() for n in names]
files = [blobs[i % len(blobs)] for i in range(IMAGES)]
print(json.dumps({"files": len(names), "images": IMAGES, "batch": BATCH, "mean_kib": round(sum(map(len, blobs)) / len(blobs) / 1024),
                  "torch": torch.__version__, "torchvision": torchvision.__version__, "gpu": torch.cuda.get_device_name(0)}), flush=True)

def lib(stem):
    for cand in [f"{stem}.so.13", f"{stem}.so.12", f"{stem}.so"]:
        try:
            return ctypes.CDLL(cand)
        except OSError:
            pass
    for path in glob.glob(f"/usr/local/cuda*/targets/*/lib/{stem}.so*") + glob.glob(f"/usr/local/lib/python3*/dist-packages/nvidia/*/lib/{stem}.so*"):
        try:
            return ctypes.CDLL(path)
        except OSError:
            pass
    raise OSError(stem)

nvj, npp = lib("libnvjpeg"), lib("libnppig")
cudart = lib("libcudart")
vp, sz, ci = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int

class Image(ctypes.Structure):
    _fields_ = [("channel", vp * 4), ("pitch", sz * 4)]
class Size(ctypes.Structure):
    _fields_ = [("w", ci), ("h", ci)]
class Rect(ctypes.Structure):
    _fields_ = [("x", ci), ("y", ci), ("w", ci), ("h", ci)]
class NppCtx(ctypes.Structure):
    _fields_ = [("stream", vp), ("device", ci), ("sms", ci), ("threads_sm", ci), ("threads_block", ci), ("smem", sz),
                ("major", ci), ("minor", ci), ("flags", ctypes.c_uint), ("reserved", ci)]

def ok(status, what):
    if status != 0:
        raise RuntimeError(f"{what}: status {status}")

HARDWARE, DEFAULT, GPU_HYBRID = 3, 0, 2
RGB, RGBI = 3, 5
W, H = 1920, 1080

def handle(backend):
    h = vp()
    ok(nvj.nvjpegCreateEx(backend, None, None, 0, ctypes.byref(h)), "nvjpegCreateEx")
    return h

class Decoder:
    """One decoder as wanwu has it: a state, a stream, output buffers for a batch; the handle maybe shared."""
    def __init__(self, h, fmt, resize=False, scale=0):
        self.h, self.fmt, self.resize, self.scale = h, fmt, resize, scale
        self.state = vp(); ok(nvj.nvjpegJpegStateCreate(h, ctypes.byref(self.state)), "state")
        self.jstream = vp(); ok(nvj.nvjpegJpegStreamCreate(h, ctypes.byref(self.jstream)), "jstream")
        self.torch_stream = torch.cuda.Stream()
        self.stream = vp(self.torch_stream.cuda_stream)
        self.out = torch.empty((BATCH, H * W * 3), dtype=torch.uint8, device="cuda")
        self.small = torch.empty((BATCH, 256 * 455 * 3), dtype=torch.uint8, device="cuda")
        self.images = (Image * BATCH)()
        for k in range(BATCH):
            base = self.out[k].data_ptr()
            if fmt == RGBI:
                self.images[k].channel[0], self.images[k].pitch[0] = base, W * 3
            else:
                for c in range(3):
                    self.images[k].channel[c], self.images[k].pitch[c] = base + c * W * H, W
        ok(nvj.nvjpegDecodeBatchedInitialize(h, self.state, BATCH, 1, fmt), "init")
        self.params = None
        if scale:
            # One parameter set per image (nvjpegDecodeBatchedEx takes an array); output 1/2^scale of each side.
            self.params = (vp * BATCH)()
            sw, sh = -(-W // (1 << scale)), -(-H // (1 << scale))
            for k in range(BATCH):
                p = vp(); ok(nvj.nvjpegDecodeParamsCreate(h, ctypes.byref(p)), "params")
                ok(nvj.nvjpegDecodeParamsSetOutputFormat(p, fmt), "params format")
                ok(nvj.nvjpegDecodeParamsSetScaleFactor(p, scale), "params scale")
                self.params[k] = p.value
                self.images[k].pitch[0] = sw * 3
            self.scaled = (sw, sh)
        p = torch.cuda.get_device_properties(0)
        self.ctx = NppCtx(self.torch_stream.cuda_stream, 0, p.multi_processor_count, 2048, 1024, 49152, p.major, p.minor, 1, 0)

    def check(self, ptr, n):
        comps, sub = ci(), ci(); ws, hs = (ci * 4)(), (ci * 4)(); sup = ci()
        ok(nvj.nvjpegGetImageInfo(self.h, ptr, sz(n), ctypes.byref(comps), ctypes.byref(sub), ws, hs), "info")
        ok(nvj.nvjpegJpegStreamParseHeader(self.h, ptr, sz(n), self.jstream), "parse")
        ok(nvj.nvjpegDecodeBatchedSupported(self.h, self.jstream, ctypes.byref(sup)), "supported")

    def decode(self, ptrs, lens, checks):
        if checks:
            for k in range(BATCH):
                self.check(ctypes.c_void_p(ptrs[k]), lens[k])
        if self.params is not None:
            ok(nvj.nvjpegDecodeBatchedEx(self.h, self.state, ptrs, lens, self.images, self.params, self.stream), "decode ex")
        else:
            ok(nvj.nvjpegDecodeBatched(self.h, self.state, ptrs, lens, self.images, self.stream), "decode")
        if self.resize:
            sw, sh = self.scaled if self.params is not None else (W, H)
            for k in range(BATCH):
                ok(npp.nppiResize_8u_C3R_Ctx(ctypes.c_void_p(self.out[k].data_ptr()), sw * 3, Size(sw, sh), Rect(0, 0, sw, sh),
                                             ctypes.c_void_p(self.small[k].data_ptr()), 455 * 3, Size(455, 256), Rect(0, 0, 455, 256), 8, self.ctx), "resize")
        ok(cudart.cudaStreamSynchronize(self.stream), "sync")

def batches(pinned):
    """Per batch: the data pointers and lengths nvJPEG takes; the buffers stay referenced."""
    keep, out = [], []
    for b in range(0, IMAGES - BATCH + 1, BATCH):
        ptrs, lens = (ctypes.c_void_p * BATCH)(), (sz * BATCH)()
        for k, blob in enumerate(files[b:b + BATCH]):
            if pinned:
                t = torch.frombuffer(bytearray(blob), dtype=torch.uint8).pin_memory()
                keep.append(t); ptrs[k] = t.data_ptr()
            else:
                buf = ctypes.create_string_buffer(blob, len(blob)); keep.append(buf); ptrs[k] = ctypes.addressof(buf)
            lens[k] = len(blob)
        out.append((ptrs, lens))
    return keep, out

pageable = batches(False)
pinned = None

def run(name, threads=1, fmt=RGBI, shared=False, checks=False, pin=False, resize=False, backend=HARDWARE, scale=0, beside=None):
    global pinned
    if pin and pinned is None:
        pinned = batches(True)
    work = (pinned if pin else pageable)[1]
    try:
        one = handle(backend) if shared else None
        decoders = [Decoder(one or handle(backend), fmt, resize, scale) for _ in range(threads)]
        for d in decoders:
            d.decode(*work[0], checks)
    except Exception as e:
        print(json.dumps({"variant": name, "error": str(e)}), flush=True)
        return
    done = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS
    def loop(d, start):
        i, n = start, 0
        while time.perf_counter() < stop:
            d.decode(*work[i % len(work)], checks); i += threads; n += BATCH
        with lock:
            done[0] += n
    t0 = time.perf_counter()
    ts = [threading.Thread(target=loop, args=(d, k)) for k, d in enumerate(decoders)]
    if beside is not None:
        ts.append(threading.Thread(target=beside, args=(stop,)))
    for t in ts: t.start()
    for t in ts: t.join()
    s = time.perf_counter() - t0
    line = {"variant": name, "threads": threads, "images_per_second": round(done[0] / s)}
    if beside is not None:
        line["network_beside_images_per_second"] = network_rate[0]
    print(json.dumps(line), flush=True)
    for d in decoders:
        nvj.nvjpegJpegStreamDestroy(d.jstream); nvj.nvjpegJpegStateDestroy(d.state)
    for h in {d.h.value for d in decoders}:
        nvj.nvjpegDestroy(vp(h))

PART = opt("--part", "all")

# A network on its own stream in a thread, as ONNX Runtime's session runs beside wanwu's decoders: ResNet-101 in FP16.
network_rate = [0]
def network(stop):
    model = network.model
    x = torch.randn(BATCH, 3, 224, 224, device="cuda", dtype=torch.half).to(memory_format=torch.channels_last)
    stream = torch.cuda.Stream()
    n, t0 = 0, time.perf_counter()
    with torch.cuda.stream(stream), torch.no_grad():
        while time.perf_counter() < stop:
            model(x); stream.synchronize(); n += BATCH
    network_rate[0] = round(n / (time.perf_counter() - t0))
if PART in ("all", "overlap"):
    network.model = torchvision.models.resnet101().cuda().half().eval().to(memory_format=torch.channels_last)
    with torch.no_grad():
        network.model(torch.randn(BATCH, 3, 224, 224, device="cuda", dtype=torch.half).to(memory_format=torch.channels_last))
    torch.cuda.synchronize()
    network(time.perf_counter() + SECONDS)
    print(json.dumps({"variant": "network alone (torchvision ResNet-101 FP16, own stream)", "images_per_second": network_rate[0]}), flush=True)
    for t in (1, 2):
        run("hw only, network beside", threads=t, beside=network)
    for t in (1, 2):
        run("hw + checks + NPP resize, network beside", threads=t, checks=True, resize=True, beside=network)
    for t in (1, 2):
        run("hw 1/4 scale + checks + NPP resize, network beside", threads=t, checks=True, resize=True, scale=2, beside=network)
    run("hw + checks + NPP resize (no network)", threads=2, checks=True, resize=True)

if PART in ("all", "scale"):
    for scale in (1, 2, 3):
        run(f"hw RGBI, scale 1/{1 << scale} (nvjpegDecodeBatchedEx)", scale=scale)
        run(f"hw RGBI, scale 1/{1 << scale} (nvjpegDecodeBatchedEx)", threads=2, scale=scale)
    run("hw RGBI 1/4 + checks + NPP resize", threads=2, checks=True, resize=True, scale=2)
    run("hw RGBI 1/4 + checks + NPP resize", threads=3, checks=True, resize=True, scale=2)
if PART in ("all", "scaledims"):
    # Which pixels a scaled hardware decode writes for sizes that do not divide: decode into a buffer of sentinels.
    import io
    from PIL import Image as PilImage
    h = handle(HARDWARE)
    state = vp(); ok(nvj.nvjpegJpegStateCreate(h, ctypes.byref(state)), "state")
    for (w0, h0) in [(1001, 777), (1919, 1079), (642, 481), (1000, 750)]:
        for sub in (2, 0):  # 4:2:0, 4:4:4
            buf = io.BytesIO(); PilImage.new("RGB", (w0, h0), (200, 100, 50)).save(buf, "JPEG", quality=90, subsampling=sub)
            blob = buf.getvalue()
            for scale in (1, 2, 3):
                ok(nvj.nvjpegDecodeBatchedInitialize(h, state, 1, 1, RGBI), "init")
                out = torch.full((h0 + 8, w0 + 8, 3), 7, dtype=torch.uint8, device="cuda")
                img = (Image * 1)(); img[0].channel[0] = out.data_ptr(); img[0].pitch[0] = (w0 + 8) * 3
                p = vp(); ok(nvj.nvjpegDecodeParamsCreate(h, ctypes.byref(p)), "params")
                ok(nvj.nvjpegDecodeParamsSetOutputFormat(p, RGBI), "fmt"); ok(nvj.nvjpegDecodeParamsSetScaleFactor(p, scale), "scale")
                params = (vp * 1)(p.value)
                data = ctypes.create_string_buffer(blob, len(blob)); ptrs = (vp * 1)(ctypes.addressof(data)); lens = (sz * 1)(len(blob))
                status = nvj.nvjpegDecodeBatchedEx(h, state, ptrs, lens, img, params, None)
                torch.cuda.synchronize()
                written = (out != 7).any(dim=2)
                cols = int(written.any(dim=0).nonzero().max()) + 1 if written.any() else 0
                rows = int(written.any(dim=1).nonzero().max()) + 1 if written.any() else 0
                centre = out[rows // 2, cols // 2].tolist() if written.any() else None
                print(json.dumps({"size": [w0, h0], "subsampling": {2: "4:2:0", 0: "4:4:4"}[sub], "scale": f"1/{1 << scale}", "status": status,
                                  "written": [cols, rows], "ceil": [-(-w0 // (1 << scale)), -(-h0 // (1 << scale))], "centre_rgb": centre}), flush=True)

if PART in ("all", "alloc"):
    # Does nvJPEG allocate (cudaMalloc/cudaFree, cudaHostAlloc/cudaFreeHost: the frees synchronise the whole device, so
    # the network's kernels would hold the decoder up) batch after batch? Count through nvjpegCreateExV2's allocators.
    counts = {"dev_malloc": 0, "dev_free": 0, "pinned_malloc": 0, "pinned_free": 0}
    MALLOC = ctypes.CFUNCTYPE(ci, vp, ctypes.POINTER(vp), sz, vp)
    FREE = ctypes.CFUNCTYPE(ci, vp, vp, sz, vp)
    cudart.cudaMalloc.argtypes = [ctypes.POINTER(vp), sz]; cudart.cudaFree.argtypes = [vp]
    cudart.cudaHostAlloc.argtypes = [ctypes.POINTER(vp), sz, ctypes.c_uint]; cudart.cudaFreeHost.argtypes = [vp]
    def dmalloc(ctx, ptr, size, stream): counts["dev_malloc"] += 1; return cudart.cudaMalloc(ptr, size)
    def dfree(ctx, ptr, size, stream): counts["dev_free"] += 1; return cudart.cudaFree(ptr)
    def pmalloc(ctx, ptr, size, stream): counts["pinned_malloc"] += 1; return cudart.cudaHostAlloc(ptr, size, 0)
    def pfree(ctx, ptr, size, stream): counts["pinned_free"] += 1; return cudart.cudaFreeHost(ptr)
    class Alloc(ctypes.Structure):
        _fields_ = [("malloc", MALLOC), ("free", FREE), ("ctx", vp)]
    keep_alive = [MALLOC(dmalloc), FREE(dfree), MALLOC(pmalloc), FREE(pfree)]
    dev, pin = Alloc(keep_alive[0], keep_alive[1], None), Alloc(keep_alive[2], keep_alive[3], None)
    h = vp()
    ok(nvj.nvjpegCreateExV2(HARDWARE, ctypes.byref(dev), ctypes.byref(pin), 0, ctypes.byref(h)), "nvjpegCreateExV2")
    d = Decoder(h, RGBI, resize=True)
    work = pageable[1]
    for step in range(12):
        before = dict(counts)
        d.decode(*work[step % len(work)], True)
        print(json.dumps({"batch": step, "calls": {k: counts[k] - before[k] for k in counts}}), flush=True)

if PART not in ("all", "decode"):
    sys.exit(0)

# The reference: torchvision's batched decode (hardware backend where the GPU has one, planar RGB), synchronised per batch.
tensors = [torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in files]
decode_jpeg(tensors[:BATCH], device="cuda"); torch.cuda.synchronize()
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < SECONDS:
    b = (n // BATCH * BATCH) % (IMAGES - BATCH)
    decode_jpeg(tensors[b:b + BATCH], device="cuda"); torch.cuda.synchronize(); n += BATCH
print(json.dumps({"variant": "torchvision decode_jpeg (batch, sync)", "images_per_second": round(n / (time.perf_counter() - t0))}), flush=True)
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < SECONDS:
    b = (n // BATCH * BATCH) % (IMAGES - BATCH)
    x = decode_jpeg(tensors[b:b + BATCH], device="cuda")
    y = torch.nn.functional.interpolate(torch.stack(x).float(), size=(256, 455), mode="bilinear", antialias=True)
    torch.cuda.synchronize(); n += BATCH
print(json.dumps({"variant": "torchvision decode_jpeg + antialiased resize (batch, sync)", "images_per_second": round(n / (time.perf_counter() - t0))}), flush=True)

run("hw RGBI")
run("hw RGB planar", fmt=RGB)
for t in (2, 3, 4, 6):
    run("hw RGBI, own handles", threads=t)
for t in (2, 4):
    run("hw RGBI, one shared handle", threads=t, shared=True)
run("hw RGBI + wanwu's checks", checks=True)
run("hw RGBI + checks", threads=2, checks=True)
run("hw RGBI, pinned input", pin=True)
run("hw RGBI, pinned input", threads=2, pin=True)
run("hw RGBI + NPP resize per image", resize=True)
run("hw RGBI + NPP resize per image", threads=2, resize=True)
run("hw RGBI + checks + NPP resize (wanwu's calls)", threads=2, checks=True, resize=True)
run("hw RGBI + checks + NPP resize (wanwu's calls)", threads=4, checks=True, resize=True)
run("default backend batched RGBI", backend=DEFAULT)
run("default backend batched RGBI", threads=2, backend=DEFAULT)
run("GPU hybrid backend batched RGBI", threads=2, backend=GPU_HYBRID)
