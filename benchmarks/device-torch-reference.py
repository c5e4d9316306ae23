"""The network alone in PyTorch on the device machine's GPU, as the reference the brief quotes (~3,300 images/s for a
ResNeSt-101 in FP16 batches on an H100): timm's resnest101e at 224x224, random weights, batch 128, FP32 (TF32 on and
off) and FP16, channels-last. Prints one JSON line per setting."""
import json, time, torch, timm

model = timm.create_model("resnest101e", pretrained=False, num_classes=54092).cuda().eval()
x32 = torch.randn(128, 3, 224, 224, device="cuda")
for name, dtype, tf32 in [("fp32", torch.float32, False), ("tf32", torch.float32, True), ("fp16", torch.float16, False)]:
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True
    m = model.to(dtype=dtype, memory_format=torch.channels_last)
    x = x32.to(dtype=dtype, memory_format=torch.channels_last)
    with torch.inference_mode():
        for _ in range(5): m(x)
        torch.cuda.synchronize(); t = time.perf_counter(); n = 20
        for _ in range(n): m(x)
        torch.cuda.synchronize(); s = time.perf_counter() - t
    print(json.dumps({"setting": name, "batch": 128, "images_per_second": round(128 * n / s, 1)}))
