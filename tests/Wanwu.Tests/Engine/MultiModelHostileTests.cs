using SkiaSharp;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>Files that must give records, not crashes, when a classifier and OCR read them in one pass.</summary>
public class MultiModelHostileTests
{
    [Fact]
    public async Task Tiny_huge_sliver_crowded_and_broken_files_all_get_records()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        using (var image = TestImages.Gradient(1, 1)) TestImages.Save(image, dir["in/one-pixel.png"]);
        using (var image = TestImages.Gradient(3000, 1)) TestImages.Save(image, dir["in/one-pixel-high.png"]);
        using (var image = TestImages.Gradient(2, 4000)) TestImages.Save(image, dir["in/sliver.png"]);
        using (var image = TestImages.Gradient(9000, 6000)) TestImages.Save(image, dir["in/huge.jpg"]);
        File.WriteAllBytes(dir["in/empty.jpg"], []);
        File.WriteAllText(dir["in/text.jpg"], "not an image");
        // Ten thousand marks in a grid: as many candidate text boxes as a page could hold; the engine reads the best 1,000.
        using (var bitmap = new SKBitmap(1280, 1280))
        {
            using (var canvas = new SKCanvas(bitmap))
            using (var ink = new SKPaint { Color = SKColors.Black })
            {
                canvas.Clear(SKColors.White);
                for (var row = 0; row < 100; row++)
                    for (var col = 0; col < 100; col++)
                        canvas.DrawRect(6 + col * 12.7f, 6 + row * 12.7f, 7, 4, ink);
            }
            RenderedText.SaveJpeg(bitmap, dir["in/crowded.jpg"]);
        }

        var run = ModelTestKit.Run([dir["in"]], dir["out"], new ModelOptions { Model = TestPaths.MobileNet }) with
        {
            Models = [new ModelOptions { Model = TestPaths.MobileNet }, new ModelOptions { Model = PpOcrModel.Name }],
        };
        var summary = await TaggingEngine.RunAsync(run, ct: TestContext.Current.CancellationToken);

        Assert.True(summary.Completed);
        var records = ResultJournal.ReadAll(new OutputFolder(dir["out"])).ToDictionary(r => r.Path);
        Assert.Equal(7, records.Count);
        Assert.Equal(ImageErrorTypes.EmptyFile, records["empty.jpg"].Error?.Type);
        Assert.Equal(ImageErrorTypes.DecodeError, records["text.jpg"].Error?.Type);
        foreach (var name in new[] { "one-pixel.png", "one-pixel-high.png", "sliver.png", "huge.jpg", "crowded.jpg" })
        {
            var r = records[name];
            Assert.Null(r.Error);
            Assert.NotNull(r.Texts);
            Assert.Equal(5, r.Labels.Count);
            Assert.InRange(r.Texts!.Count, 0, 1000);
            Assert.All(r.Texts, t => Assert.True(t.Box[2] <= r.Width && t.Box[3] <= r.Height));
        }
        Assert.Equal((9000, 6000), (records["huge.jpg"].Width, records["huge.jpg"].Height));
        Assert.Equal((3000, 1), (records["one-pixel-high.png"].Width, records["one-pixel-high.png"].Height));
    }
}
