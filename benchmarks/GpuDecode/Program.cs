using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Wanwu;
using Wanwu.Cli.Bench;
using Wanwu.Decode;
using Wanwu.Decode.Gpu;
using Wanwu.Sources;

// usage:
//   GpuDecode make-set PHOTOS -o DIR [--copies N]    the set of `wanwu bench make-set`: photos at 1920x1080, JPEG quality 90
//   GpuDecode FOLDER [--batch 64] [--size 224] [--height H] [--mode center-crop|stretch|letterbox] [--crop 0.875]
//                    [--limit N] [--device 0] [--decoders 1] [--check 64] [--no-hardware] [--cpu-only] [--no-cpu] [--max-pixels N]
// Prints nvJPEG's batched decode+resize rate (files read from the page cache, and from memory), wanwu's CPU decoder on
// all cores, which files went to the CPU and why, and how far GPU and CPU pixels differ; then one JSON line.

var json = new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
if (args is ["make-set", .. var rest])
{
    var inputs = rest.TakeWhile(a => !a.StartsWith('-')).ToList();
    var made = PhotoSet.Make(inputs, Value(rest, "-o") ?? Value(rest, "--output") ?? throw new ArgumentException("make-set needs -o DIR"),
        1920, 1080, 90, int.Parse(Value(rest, "--copies") ?? "1", CultureInfo.InvariantCulture));
    Console.WriteLine($"{made} images");
    return 0;
}
if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: GpuDecode FOLDER [--batch 64] [--size 224] [--mode center-crop|stretch|letterbox] [--crop 0.875] [--limit N] [--decoders N] [--check N]");
    return 2;
}

var folder = args[0];
var batch = Int("--batch", 64);
var width = Int("--size", 224);
var height = Int("--height", width);
var mode = (Value(args, "--mode") ?? "center-crop") switch
{
    "stretch" => ResizeMode.Stretch,
    "center-crop" or "crop" => ResizeMode.CenterCrop,
    "letterbox" => ResizeMode.Letterbox,
    var m => throw new ArgumentException($"--mode {m}: stretch, center-crop or letterbox"),
};
var crop = double.Parse(Value(args, "--crop") ?? "0.875", CultureInfo.InvariantCulture);
var device = Int("--device", 0);
var decoderCount = Int("--decoders", 1);
var check = Int("--check", 64);
// wanwu's default --max-pixels.
var maxPixels = long.Parse(Value(args, "--max-pixels") ?? "400000000", CultureInfo.InvariantCulture);
var spec = new PreprocessSpec(width, height, mode, crop);
var files = Directory.GetFiles(folder).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".jpg" or ".jpeg")
    .Order(StringComparer.Ordinal).Take(Int("--limit", int.MaxValue)).ToArray();
var items = files.Select(f => new InputItem(Path.GetFileName(f), f)).ToArray();
if (items.Length == 0)
{
    Console.Error.WriteLine($"no .jpg or .jpeg files in {folder}");
    return 2;
}
Console.WriteLine($"{files.Length} JPEGs in {folder}; model input {width}x{height} {Value(args, "--mode") ?? "center-crop"} (crop {crop}); batch {batch}; {Environment.ProcessorCount} cores");
var report = new Dictionary<string, object?> { ["files"] = files.Length, ["input"] = $"{width}x{height} {mode} {crop}", ["batch"] = batch, ["cores"] = Environment.ProcessorCount };

var probe = GpuDecodeSupport.Probe(deviceId: device);
var gpu = probe.Available && !args.Contains("--cpu-only");
if (!probe.Available)
{
    Console.WriteLine($"no CUDA/nvJPEG here: {probe.Problem}");
    if (!args.Contains("--cpu-only")) return 0;
}
else Console.WriteLine($"GPU decoding: {probe.Summary}");
report["probe"] = probe.Summary;

// wanwu's CPU decoder on all cores, as its pipeline runs it: one decoder shared by as many workers as cores.
var cpuDecoder = new ImageDecoder(spec, maxPixels);
var clock = Stopwatch.StartNew();
if (!args.Contains("--no-cpu"))
{
    var cpuErrors = 0;
    try { cpuDecoder.Decode(items[0]); } catch (ImageException) { }
    clock.Restart();
    Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
    {
        try { cpuDecoder.Decode(item); }
        catch (ImageException) { Interlocked.Increment(ref cpuErrors); }
    });
    var cpuRate = items.Length / clock.Elapsed.TotalSeconds;
    Console.WriteLine($"CPU decode (wanwu's decoder, {Environment.ProcessorCount} workers): {cpuRate:0} img/s ({cpuErrors} errors)");
    report["cpu_images_per_second"] = Math.Round(cpuRate, 1);
}
if (!gpu)
{
    Console.WriteLine(JsonSerializer.Serialize(report, json));
    return 0;
}

var decoders = Enumerable.Range(0, decoderCount).Select(_ => new NvJpegBatchDecoder(spec, batch, maxPixels, device, !args.Contains("--no-hardware"))).ToArray();
Console.WriteLine(decoders[0].HardwareBackend ? "nvJPEG backend: hardware decoder, batched" : $"nvJPEG backend: default (GPU hybrid), image by image; no hardware decoder: {decoders[0].HardwareProblem}");
report["backend"] = decoders[0].HardwareBackend ? "hardware" : $"default ({decoders[0].HardwareProblem})";
var batches = items.Chunk(batch).ToArray();

// Warm-up: each decoder's first batch allocates nvJPEG's and NPP's buffers.
foreach (var d in decoders) d.Decode(GpuDecodeAhead.Read(batches[0]));

// 1. Files read from the page cache by a reader stage while the decoders work, as a pipeline would.
var reasons = new ConcurrentDictionary<string, int>();
var onGpu = 0;
var readSeconds = GpuDecodeAhead.Run(decoders, batches, r =>
{
    if (r.OnGpu) Interlocked.Increment(ref onGpu);
    else reasons.AddOrUpdate(r.Fallback!.Name, 1, (_, n) => n + 1);
});
var readRate = onGpu / readSeconds;
Console.WriteLine($"GPU decode+resize, files read from the page cache: {readRate:0} img/s ({onGpu} of {files.Length} on the GPU, {decoderCount} decoder(s))");
Console.WriteLine($"left to the CPU: {(reasons.IsEmpty ? "none" : string.Join(", ", reasons.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value}")))}");
report["gpu_images_per_second"] = Math.Round(readRate, 1);
report["on_gpu"] = onGpu;
report["to_cpu"] = reasons.ToDictionary(r => r.Key, r => r.Value);

// 2. The same from memory: the decoder's own rate.
var loaded = batches.Select(GpuDecodeAhead.Read).ToArray();
var next = -1;
onGpu = 0;
clock.Restart();
var threads = decoders.Select(d => new Thread(() =>
{
    for (var b = Interlocked.Increment(ref next); b < loaded.Length; b = Interlocked.Increment(ref next))
        Interlocked.Add(ref onGpu, d.Decode(loaded[b]).Count(r => r.OnGpu));
})).ToList();
threads.ForEach(t => t.Start());
threads.ForEach(t => t.Join());
var memoryRate = onGpu / clock.Elapsed.TotalSeconds;
Console.WriteLine($"GPU decode+resize, files in memory: {memoryRate:0} img/s");
report["gpu_from_memory_images_per_second"] = Math.Round(memoryRate, 1);

// 3. Pixels: the first images decoded on the GPU against the CPU path's (copied back for this check only).
var compared = 0;
var geometryMismatches = 0;
long sum = 0, count = 0, over16 = 0;
var max = 0;
var slot = new byte[decoders[0].BytesPerImage];
foreach (var b in loaded)
{
    if (compared >= check) break;
    var results = decoders[0].Decode(b);
    for (var i = 0; i < results.Count && compared < check; i++)
    {
        if (!results[i].OnGpu) continue;
        var cpu = cpuDecoder.Decode(results[i].Item);
        if (cpu.Geometry != results[i].Plan!.Value.Geometry || (cpu.OriginalWidth, cpu.OriginalHeight) != results[i].OriginalSize) geometryMismatches++;
        decoders[0].Download(i, slot);
        for (var p = 0; p < slot.Length; p++)
        {
            var d = Math.Abs(slot[p] - cpu.Pixels[p]);
            sum += d;
            if (d > max) max = d;
            if (d > 16) over16++;
        }
        count += slot.Length;
        compared++;
    }
}
var mean = count > 0 ? (double)sum / count : double.NaN;
if (check > 0) Console.WriteLine($"GPU vs CPU pixels on {compared} images: mean |difference| {mean:0.00}, max {max}, {100.0 * over16 / Math.Max(1, count):0.000}% of values off by more than 16; geometry differs on {geometryMismatches}");
if (check > 0) report["pixel_difference"] = new Dictionary<string, object> { ["images"] = compared, ["mean"] = Math.Round(mean, 3), ["max"] = max, ["percent_over_16"] = Math.Round(100.0 * over16 / Math.Max(1, count), 4), ["geometry_mismatches"] = geometryMismatches };
foreach (var d in decoders) d.Dispose();
Console.WriteLine(JsonSerializer.Serialize(report, json));
return 0;

int Int(string name, int fallback) => Value(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

static string? Value(string[] a, string name)
{
    var i = Array.IndexOf(a, name);
    return i >= 0 && i + 1 < a.Length ? a[i + 1] : null;
}
