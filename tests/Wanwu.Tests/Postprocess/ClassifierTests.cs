using Wanwu.Postprocess;

namespace Wanwu.Tests;

public class ClassifierTests
{
    [Fact]
    public async Task Shared_mobilenet_gets_top5_of_at_least_80_percent_on_100_real_photos()
    {
        var model = TestPaths.MobileNet;
        var photos = Directory.GetFiles(TestPaths.Photos).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToList();
        var results = await ModelTestKit.TagAsync(model, [TestPaths.Photos]);
        Assert.Equal(100, results.Count);
        // The photos are every tenth ImageNet class in synset order, so photo i is class 10*i.
        var top1 = 0;
        var top5 = 0;
        for (var i = 0; i < photos.Count; i++)
        {
            var r = results[photos[i]!];
            Assert.Null(r.Error);
            Assert.Equal(5, r.Labels.Count);
            Assert.True(r.Labels.Zip(r.Labels.Skip(1)).All(p => p.First.Score >= p.Second.Score), "labels are best first");
            top1 += r.Labels[0].Id == 10 * i ? 1 : 0;
            top5 += r.Labels.Any(l => l.Id == 10 * i) ? 1 : 0;
        }
        Assert.True(top5 >= 80, $"top-5 {top5}/100, top-1 {top1}/100");
        Assert.Equal("brambling", results["n01530575_brambling.JPEG"].Labels[0].LabelEn);
    }

    [Fact]
    public void Topk_and_softmax_are_exact()
    {
        float[] logits = [1, 3, 2, 3.5f, -1];
        Assert.Equal([3, 1, 2], ClassifierHead.TopK(logits, 3));
        Assert.Equal([3, 1, 2, 0, 4], ClassifierHead.TopK(logits, 10));
        var p = (float[])logits.Clone();
        ClassifierHead.Softmax(p);
        Assert.Equal(1, p.Sum(), 5);
        Assert.Equal(MathF.Exp(3.5f) / logits.Sum(MathF.Exp), p[3], 5);
        float[] large = [1000, 999];
        ClassifierHead.Softmax(large);
        Assert.Equal(1 / (1 + MathF.Exp(-1)), large[0], 5);
    }
}
