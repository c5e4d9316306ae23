using System.Text.Json;
using Wanwu.Models;
using Wanwu.Postprocess;

namespace Wanwu.Tests;

public class DetectorTests
{
    private const string Zebra = "n02391049_zebra.JPEG";
    private const string Bottles = "n02823428_beer_bottle.JPEG";
    private const string Train = "n04310018_steam_locomotive.JPEG";

    [Fact]
    public async Task Shared_ssd_finds_the_obvious_objects_in_real_photos()
    {
        var model = TestPaths.SsdCoco;
        var results = await ModelTestKit.TagAsync(model, [ModelTestKit.PhotoPath(Zebra), ModelTestKit.PhotoPath(Train), ModelTestKit.PhotoPath("n02088094_Afghan_hound.JPEG")]);
        Assert.Equal("zebra", results[ModelTestKit.PhotoPath(Zebra)].Labels[0].LabelEn);
        Assert.Equal("斑马", results[ModelTestKit.PhotoPath(Zebra)].Labels[0].Label);
        Assert.Contains(results[ModelTestKit.PhotoPath(Train)].Labels, l => l.LabelEn == "train");
        Assert.Contains(results[ModelTestKit.PhotoPath("n02088094_Afghan_hound.JPEG")].Labels, l => l.Label == "狗");
        var zebra = results[ModelTestKit.PhotoPath(Zebra)];
        Assert.All(zebra.Objects!, o => Assert.True(o.Box[0] < o.Box[2] && o.Box[1] < o.Box[3] && o.Box[2] <= zebra.Width && o.Box[3] <= zebra.Height));
    }

    [Fact]
    public async Task Builtin_centernet_finds_the_obvious_objects_in_real_photos()
    {
        var photos = new[] { Zebra, Bottles, Train, "n04070727_refrigerator.JPEG" }.Select(ModelTestKit.PhotoPath).ToList();
        var results = await ModelTestKit.TagAsync(BuiltinModels.DefaultName, photos);
        Assert.Equal("斑马", results[photos[0]].Labels[0].Label);
        Assert.Equal("瓶子", results[photos[1]].Labels[0].Label);
        Assert.True(results[photos[1]].Objects!.Count(o => o.LabelEn == "bottle") >= 3, "the beer bottle photo shows several bottles");
        Assert.Equal("火车", results[photos[2]].Labels[0].Label);
        Assert.Equal("冰箱", results[photos[3]].Labels[0].Label);
    }

    /// <summary>
    /// data/centernet-tfjs-detections.json holds what TensorFlow.js itself computes with the same weights
    /// (data/tfjs-reference/ref.js) on the libvips decode of three shared photos: the imported ONNX graph and
    /// wanwu's decoder must give the same boxes and scores.
    /// </summary>
    [Fact]
    public async Task Imported_centernet_matches_tensorflow_js_on_real_photos()
    {
        var reference = JsonDocument.Parse(File.ReadAllText(TestPaths.Data("centernet-tfjs-detections.json"))).RootElement;
        var photos = new[] { Zebra, Bottles, Train };
        var results = await ModelTestKit.TagAsync(BuiltinModels.DefaultName, photos.Select(ModelTestKit.PhotoPath),
            o => o with { Postprocess = new() { IouThreshold = 1.01f, ScoreThreshold = 0.3f, MaxDetections = 1000 } });
        foreach (var name in photos)
        {
            var r = results[ModelTestKit.PhotoPath(name)];
            var (sx, sy) = (r.Width!.Value / 512.0, r.Height!.Value / 512.0);
            var expected = reference.GetProperty(name).EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray())
                .Where(row => row[4] >= 0.3).ToList();
            Assert.Equal(expected.Count, r.Objects!.Count);
            foreach (var row in expected)
            {
                var match = r.Objects.Where(o => o.Id == (int)row[5]).OrderBy(o => Math.Abs(o.Score - row[4])).First();
                Assert.Equal(row[4], match.Score, 0.01);
                double Clamp(double v, double max) => Math.Clamp(v, 0, max);
                Assert.Equal(Clamp(row[0] * sx, r.Width.Value), match.Box[0], 1.5);
                Assert.Equal(Clamp(row[1] * sy, r.Height.Value), match.Box[1], 1.5);
                Assert.Equal(Clamp(row[2] * sx, r.Width.Value), match.Box[2], 1.5);
                Assert.Equal(Clamp(row[3] * sy, r.Height.Value), match.Box[3], 1.5);
            }
        }
    }

    [Fact]
    public void Nms_suppresses_overlaps_within_a_class_only()
    {
        Candidate[] c =
        [
            new(1, 0.9f, 0, 0, 10, 10), new(1, 0.8f, 1, 1, 11, 11), new(2, 0.7f, 1, 1, 11, 11), new(1, 0.6f, 20, 20, 30, 30),
        ];
        var kept = Detections.Nms(c, 0.45f, 10);
        Assert.Equal([0.9f, 0.7f, 0.6f], kept.Select(k => k.Score));
        Assert.Single(Detections.Nms(c, 0.45f, 1));
        Assert.Equal(81f / 119f, Detections.IoU(c[0], c[1]), 5);
    }

    [Fact]
    public void Every_coco_class_of_the_builtin_model_has_a_chinese_name()
    {
        Assert.Equal(80, BuiltinModels.CocoNames.Count);
        Assert.All(BuiltinModels.CocoNames, en => Assert.True(LabelSet.ContainsCjk(ChineseNames.Lookup(en) ?? ""), $"{en} has no Chinese name"));
        Assert.Equal(80, BuiltinModels.CocoNames.Select(en => ChineseNames.Lookup(en)).Distinct().Count());
    }
}
