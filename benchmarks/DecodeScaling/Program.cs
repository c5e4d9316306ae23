using System.Diagnostics;
using NetVips;
using SkiaSharp;

// usage: DecodeScaling FOLDER THREADS[,THREADS…] [seconds]
var files = Directory.GetFiles(args[0]).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)).ToArray();
var threadCounts = args[1].Split(',').Select(int.Parse).ToArray();
var seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 4;
NetVips.NetVips.Concurrency = 1;
Cache.Max = 0; Cache.MaxFiles = 0; Cache.MaxMem = 0;
ThreadPool.SetMinThreads(128, 128);

// wanwu's path: header, shrink-on-load thumbnail to 224x224, to memory.
byte[] Vips(string f)
{
    using (var header = Image.NewFromFile(f, access: Enums.Access.Sequential)) _ = header.Width;
    using var t = Image.Thumbnail(f, 224, height: 224, size: Enums.Size.Force);
    return t.WriteToMemory<byte>();
}

// libjpeg-turbo's DCT scaling through Skia: the smallest scale that stays >= 224 both ways, then a resize.
byte[] Skia(string f)
{
    using var codec = SKCodec.Create(f);
    var full = codec.Info;
    var scale = 1f;
    foreach (var s in new[] { 0.125f, 0.25f, 0.5f })
    {
        var d = codec.GetScaledDimensions(s);
        if (d.Width >= 224 && d.Height >= 224) { scale = s; break; }
    }
    var dims = codec.GetScaledDimensions(scale);
    using var bmp = new SKBitmap(new SKImageInfo(dims.Width, dims.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
    codec.GetPixels(bmp.Info, bmp.GetPixels());
    using var small = bmp.Resize(new SKImageInfo(224, 224, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None));
    return small.Bytes;
}

foreach (var (name, decode) in new (string, Func<string, byte[]>)[] { ("libvips", Vips), ("skia", Skia) })
{
    decode(files[0]);
    foreach (var threads in threadCounts)
    {
        var p = Process.GetCurrentProcess();
        var cpu0 = p.TotalProcessorTime;
        var done = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                decode(files[(int)((uint)Interlocked.Increment(ref next) % files.Length)]);
                Interlocked.Increment(ref done);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var wall = clock.Elapsed.TotalSeconds;
        p.Refresh();
        var cpu = (p.TotalProcessorTime - cpu0).TotalSeconds;
        Console.WriteLine($"{{\"decoder\": \"{name}\", \"threads\": {threads}, \"images_per_second\": {done / wall:0.0}, \"cpu_per_image_ms\": {cpu / done * 1000:0.00}}}");
    }
}
