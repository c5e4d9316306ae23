using SkiaSharp;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Ocr;

namespace Wanwu.Tests;

/// <summary>Images OCR must answer without crashing: tiny, huge, one pixel high, blank, noise, a page of hundreds of words.</summary>
public class OcrHostileTests(OcrEngineFixture fixture) : IClassFixture<OcrEngineFixture>
{
    private OcrEngine Engine => fixture.Engine;

    private static RgbImage Flat(int width, int height, byte value)
    {
        var image = RgbImage.Blank(width, height);
        Array.Fill(image.Pixels, value);
        return image;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(1, 700)]
    [InlineData(700, 1)]
    [InlineData(2, 3000)]
    [InlineData(5000, 2)]
    public void Tiny_and_sliver_images_read_nothing(int width, int height)
    {
        var random = new Random(width * 31 + height);
        var image = RgbImage.Blank(width, height);
        random.NextBytes(image.Pixels);
        Assert.Empty(Engine.Read(image));
    }

    [Fact]
    public void Blank_images_read_nothing()
    {
        Assert.Empty(Engine.Read(Flat(1000, 800, 0)));
        Assert.Empty(Engine.Read(Flat(1000, 800, 255)));
        Assert.Empty(Engine.Read(Flat(640, 480, 128)));
    }

    [Fact]
    public void Noise_gives_at_most_a_few_lines()
    {
        var image = RgbImage.Blank(1280, 960);
        new Random(9).NextBytes(image.Pixels);
        Assert.True(Engine.Read(image).Count <= 3);
    }

    [Fact]
    public void A_huge_image_is_read_at_the_detectors_size()
    {
        Assert.SkipWhen(RenderedText.Fonts.Count == 0, "the CJK fonts are not installed");
        using var bitmap = new SKBitmap(6000, 4500);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            RenderedText.Stamp(canvas, "万物识别", RenderedText.Fonts[0].Typeface, 400, 3000, 2000, 0, SKColors.Black);
        }
        var image = new RgbImage(Rgb(bitmap), bitmap.Width, bitmap.Height);
        var line = Assert.Single(Engine.Read(image));
        Assert.Equal("万物识别", line.Text);
        Assert.InRange(line.Box[0], 2000, 2400);
        Assert.InRange(line.Box[2], 3600, 4000);
    }

    [Fact]
    public void A_page_of_hundreds_of_words_is_capped_at_the_best_boxes()
    {
        Assert.SkipWhen(RenderedText.Fonts.Count == 0, "the CJK fonts are not installed");
        using var bitmap = new SKBitmap(1200, 1200);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            var random = new Random(4);
            var words = RenderedText.Texts.Where(t => t.Length >= 2).Select(t => t[..2]).ToList();
            for (var row = 0; row < 30; row++)
                for (var col = 0; col < 10; col++)
                    RenderedText.Stamp(canvas, words[random.Next(words.Count)], RenderedText.Fonts[0].Typeface, 22, 60 + col * 118, 20 + row * 39, 0, SKColors.Black);
        }
        var image = new RgbImage(Rgb(bitmap), bitmap.Width, bitmap.Height);
        using var capped = OcrEngine.Open(BuiltinModels.Ensure(PpOcrModel.Builtin, null, null), new OcrSettings { MaxBoxes = 40 }, intraOpThreads: 2);
        var lines = capped.Read(image);
        Assert.InRange(lines.Count, 30, 40);
    }

    [Fact]
    public void Empty_and_one_pixel_high_boxes_cut_to_nothing_or_a_bounded_line()
    {
        var image = Flat(2000, 100, 200);
        Assert.Null(Engine.CutLine(image, [new(10, 10), new(10, 10), new(10, 10), new(10, 10)]));
        Assert.Null(Engine.CutLine(image, [new(10, 10), new(10.5, 10), new(10.5, 10.5), new(10, 10.5)]));
        Assert.Null(Engine.CutLine(image, [new(double.NaN, 0), new(1, 0), new(1, 1), new(0, 1)]));
        var sliver = Engine.CutLine(image, [new(0, 50), new(2000, 50), new(2000, 51), new(0, 51)]);
        Assert.NotNull(sliver);
        Assert.Equal((Engine.Settings.MaxLineWidth, OcrEngine.LineHeight), (sliver.Value.Width, sliver.Value.Height));
        // A box much taller than wide is vertical text: cut turned a quarter, so it lies along the line.
        var column = Engine.CutLine(image, [new(100, 0), new(130, 0), new(130, 95), new(100, 95)]);
        Assert.True(column!.Value.Width > column.Value.Height);
    }

    [Fact]
    public void A_window_outside_the_image_reads_nothing_and_a_short_buffer_is_refused()
    {
        var image = Flat(100, 100, 90);
        Assert.Empty(Engine.Read(image, 50, 50, new Geometry(1, 1, 200, 200)));
        Assert.Empty(Engine.Read(image, 0, 50, new Geometry(1, 1, 0, 0)));
        Assert.Throws<ArgumentException>(() => Engine.Read(new RgbImage(new byte[10], 100, 100)));
    }

    [Fact]
    public void A_model_folder_missing_a_network_is_a_model_error_that_names_it()
    {
        using var dir = new TempDir();
        var source = BuiltinModels.Ensure(PpOcrModel.Builtin, null, null);
        File.Copy(Path.Combine(source, PpOcrModel.Dictionary), dir[PpOcrModel.Dictionary]);
        File.Copy(Path.Combine(source, PpOcrModel.Detector), dir[PpOcrModel.Detector]);
        var e = Assert.Throws<ModelLoadException>(() => OcrEngine.Open(dir.Path));
        Assert.Contains(PpOcrModel.Classifier, e.Message);
        File.WriteAllText(dir[PpOcrModel.Classifier], "not an onnx file");
        File.Copy(Path.Combine(source, PpOcrModel.Recognizer), dir[PpOcrModel.Recognizer]);
        Assert.Throws<ModelLoadException>(() => OcrEngine.Open(dir.Path));
    }

    private static byte[] Rgb(SKBitmap bitmap)
    {
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        var pixels = bitmap.Pixels;
        for (var i = 0; i < pixels.Length; i++) (rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]) = (pixels[i].Red, pixels[i].Green, pixels[i].Blue);
        return rgb;
    }
}
