using System.Diagnostics;
using NetVips;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Ocr;

namespace Wanwu.Tests;

/// <summary>
/// OCR throughput for docs/ocr.md, not a test: runs only with <c>WANWU_OCR_BENCH=1</c> and prints a table. Images are
/// decoded first; the figures are the engine alone (detection, direction, recognition) on this machine's cores.
/// </summary>
public class OcrBenchmark
{
    /// <summary>Quality over every photo without text that can be drawn on, twice, by font and size; and the no-text photos.</summary>
    [Fact]
    public void Quality()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("WANWU_OCR_BENCH") == "1", "a benchmark: set WANWU_OCR_BENCH=1 to run it");
        Assert.SkipWhen(RenderedText.Fonts.Count < 3, "the CJK fonts are not installed");
        var output = TestContext.Current.TestOutputHelper!;
        var modelDir = BuiltinModels.Ensure(PpOcrModel.Builtin, null, null);
        using var dir = new TempDir();
        var plain = OcrPhotos.WithoutText();
        var canvases = plain.Where(p => { using var i = Image.NewFromFile(p); return Math.Min(i.Width, i.Height) >= 300; }).ToList();
        List<DrawnPhoto> Draw(int seed, float minSize, float maxSize)
        {
            var random = new Random(seed);
            return canvases.Select(p => RenderedText.Draw(p, dir[$"{Path.GetFileNameWithoutExtension(p)}.{seed}.jpg"], random, minSize, maxSize)).ToList();
        }
        var large = Draw(7, 20, 44).Concat(Draw(8, 20, 44)).ToList();
        var small = Draw(9, 12, 19);
        output.WriteLine($"{canvases.Count} photos drawn on twice ({large.Sum(d => d.Lines.Count)} lines of 20–44 px) and once more with {small.Sum(d => d.Lines.Count)} lines of 12–19 px; {plain.Count} photos without text");

        foreach (var (name, settings) in new[] { ("default (detector: shorter side to 736, longer ≤ 960)", new OcrSettings()), ("PaddleOCR inference default (detector: longer side ≤ 960, never enlarged)", new OcrSettings { DetectorMinSide = 0 }) })
        {
            using var engine = OcrEngine.Open(modelDir, settings);
            var read = large.Select(d => (d, engine.Read(OcrPhotos.Decode(d.Path, OcrEngine.InputMaxSide, enlarge: false)))).ToList();
            output.WriteLine($"\n## {name}\n20–44 px: {OcrQuality.Measure(read)}");
            foreach (var m in OcrQuality.Measure(read).Misreads) output.WriteLine("    " + m);
            foreach (var group in large.SelectMany(d => d.Lines).Select(l => l.Font).Distinct().Order())
                output.WriteLine($"  {group}: {OcrQuality.Measure(read.Select(r => (r.d with { Lines = r.d.Lines.Where(l => l.Font == group).ToList() }, r.Item2))).Short}");
            foreach (var (lo, hi) in new[] { (20, 27), (28, 35), (36, 44) })
                output.WriteLine($"  {lo}–{hi} px: {OcrQuality.Measure(read.Select(r => (r.d with { Lines = r.d.Lines.Where(l => l.Size >= lo && l.Size <= hi).ToList() }, r.Item2))).Short}");
            output.WriteLine($"12–19 px: {OcrQuality.Measure(small.Select(d => (d, engine.Read(OcrPhotos.Decode(d.Path, OcrEngine.InputMaxSide, enlarge: false)))))}");
            var letterbox = new ImageDecoder(new PreprocessSpec(OcrEngine.InputMaxSide, OcrEngine.InputMaxSide, ResizeMode.Letterbox), 100_000_000);
            output.WriteLine($"20–44 px, decoded letterboxed to 1280×1280: {OcrQuality.Measure(large.Select(d => (d, engine.Read(letterbox.Decode(new Sources.InputItem(d.Path, d.Path, default))))))}");
            var stray = plain.Select(p => (Path.GetFileName(p), engine.Read(OcrPhotos.Decode(p, OcrEngine.InputMaxSide, enlarge: false)))).Where(t => t.Item2.Count > 0).ToList();
            output.WriteLine($"photos without text: {stray.Sum(s => s.Item2.Count)} lines on {plain.Count} photos ({(double)stray.Sum(s => s.Item2.Count) / plain.Count:F3} a photo): {string.Join(", ", stray.Select(s => $"{s.Item1} '{string.Join("|", s.Item2.Select(l => $"{l.Text}' {l.Score:F2}"))}"))}");
        }
    }

    [Fact]
    public void Throughput()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("WANWU_OCR_BENCH") == "1", "a benchmark: set WANWU_OCR_BENCH=1 to run it");
        Assert.SkipWhen(RenderedText.Fonts.Count < 3, "the CJK fonts are not installed");
        var output = TestContext.Current.TestOutputHelper!;
        var modelDir = BuiltinModels.Ensure(PpOcrModel.Builtin, null, null);
        using var dir = new TempDir();
        var plain = OcrPhotos.WithoutText();
        var canvases = plain.Where(p => { using var i = Image.NewFromFile(p); return Math.Min(i.Width, i.Height) >= 300; }).Take(30).ToList();
        var random = new Random(7);
        var drawn = canvases.Select(p => RenderedText.Draw(p, dir[Path.GetFileNameWithoutExtension(p) + ".jpg"], random)).ToList();
        // The same photos as 1920×1080 "product photos" (as `wanwu bench make-set`), JPEG quality 90.
        var hd = drawn.Select(d =>
        {
            var path = dir[Path.GetFileNameWithoutExtension(d.Path) + ".1080.jpg"];
            using var image = Image.Thumbnail(d.Path, 1920, height: 1080, size: Enums.Size.Force);
            image.Jpegsave(path, q: 90);
            return path;
        }).ToList();

        var sets = new (string Name, IReadOnlyList<DecodedImage> Images)[]
        {
            ("~500×375 photos, 2–3 drawn lines, at their own size", drawn.Select(d => OcrPhotos.Decode(d.Path, 1280, enlarge: false)).ToList()),
            ("~500×375 photos without text, at their own size", plain.Select(p => OcrPhotos.Decode(p, 1280, enlarge: false)).ToList()),
            ("~500×375 photos, 2–3 drawn lines, letterboxed to 1280×1280", drawn.Select(d => OcrPhotos.Decode(d.Path, 1280, enlarge: true)).ToList()),
            ("1920×1080, 2–3 drawn lines, decoded to 1280×720", hd.Select(p => OcrPhotos.Decode(p, 1280, enlarge: false)).ToList()),
            ("1920×1080, 2–3 drawn lines, decoded to 960×540", hd.Select(p => OcrPhotos.Decode(p, 960, enlarge: false)).ToList()),
        };
        using var engine = OcrEngine.Open(modelDir);
        using var never = OcrEngine.Open(modelDir, new OcrSettings { DetectorMinSide = 0 });
        using var single = OcrEngine.Open(modelDir, intraOpThreads: 1);
        var threads = Environment.ProcessorCount;
        var rows = sets.Select(set => (Name: $"{set.Name}; sessions of {threads} threads, one image at a time", set.Images,
                Read: (Func<IReadOnlyList<DecodedImage>, int>)(list => list.Sum(i => engine.Read(i).Count))))
            .Append(($"{sets[0].Name}; detector never enlarging (PaddleOCR's size)", sets[0].Images, list => list.Sum(i => never.Read(i).Count)))
            // The other way to use the cores: several images at a time, each on sessions of one thread.
            .Concat(sets.Take(2).Select(set => (Name: $"{set.Name}; sessions of 1 thread, {threads} images at a time", set.Images,
                Read: (Func<IReadOnlyList<DecodedImage>, int>)(list => list.AsParallel().WithDegreeOfParallelism(threads).Sum(i => single.Read(i).Count)))))
            .ToList();
        foreach (var row in rows) row.Read([row.Images[0]]); // warm-up: ONNX Runtime plans its kernels on the first run
        // The machine is shared and its load drifts over minutes: rows take turns, each keeps its best of 3 passes.
        var seconds = rows.Select(_ => new List<double>()).ToList();
        var lines = new int[rows.Count];
        for (var pass = 0; pass < 3; pass++)
            for (var r = 0; r < rows.Count; r++)
            {
                var clock = Stopwatch.StartNew();
                lines[r] = rows[r].Read(rows[r].Images);
                seconds[r].Add(clock.Elapsed.TotalSeconds);
            }
        output.WriteLine($"{threads} cores; rows take turns, best and median of 3 passes");
        output.WriteLine("| images | count | lines read | images/s (best) | images/s (median) | ms/image (best) |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (var r = 0; r < rows.Count; r++)
        {
            var s = seconds[r].Order().ToList();
            var n = rows[r].Images.Count;
            output.WriteLine($"| {rows[r].Name} | {n} | {lines[r]} | {n / s[0]:F2} | {n / s[1]:F2} | {s[0] * 1000 / n:F0} |");
        }
    }
}
