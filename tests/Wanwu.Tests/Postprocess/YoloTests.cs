using Google.Protobuf;
using Wanwu.Models.Onnx;
using static Wanwu.Models.Onnx.OnnxGraphBuilder;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Tests;

/// <summary>YOLO-style outputs decoded through letterboxing back to original pixels, with a small real ONNX model built here.</summary>
public class YoloTests
{
    /// <summary>An ONNX model whose output is <paramref name="rows"/> for every image, shape [N, rows, cols]; written with its card and labels.</summary>
    private static void WriteModel(string dir, float[,] rows, string layout, bool objectness)
    {
        Directory.CreateDirectory(dir);
        var (r, c) = (rows.GetLength(0), rows.GetLength(1));
        var g = new OnnxGraphBuilder();
        g.Input("images", DataType.Float, -1, 64, 64, 3);
        var mean = g.Node("ReduceMean", "mean", ["images", g.Int64s("axes", 1, 2, 3)], Attr("keepdims", 1L));
        var flat = g.Node("Reshape", "flat", [mean, g.Int64s("shape", -1, 1, 1)]);
        var zero = g.Node("Mul", "zero", [flat, g.Floats("zero_c", [], [0f])]);
        var output = g.Node("Add", "output", [zero, g.Floats("rows", [r, c], rows.Cast<float>().ToArray())]);
        g.Output(output, DataType.Float, -1, r, c);
        File.WriteAllBytes(Path.Combine(dir, "yolo.onnx"), g.Build().ToByteArray());
        File.WriteAllText(Path.Combine(dir, "labels.txt"), "猫\n狗\n");
        File.WriteAllText(Path.Combine(dir, "wanwu.json"),
            $$"""{ "task": "detect", "input": { "resize": "letterbox", "pixel_scale": 255 }, "output": { "kind": "yolo", "layout": "{{layout}}", "objectness": {{(objectness ? "true" : "false")}} } }""");
    }

    private static async Task<ImageResult> TagWide(string model)
    {
        using var dir = new TempDir();
        using (var img = TestImages.Gradient(128, 64)) img.Pngsave(dir["wide.png"]);
        return (await ModelTestKit.TagAsync(model, [dir["wide.png"]]))[dir["wide.png"]];
    }

    [Fact]
    public async Task Anchors_first_boxes_with_objectness_come_back_in_original_pixels()
    {
        using var dir = new TempDir();
        WriteModel(dir["m"], new float[,]
        {
            { 32, 32, 20, 10, 0.9f, 0.1f, 0.8f },    // a 狗 at 0.72
            { 33, 32, 20, 10, 0.9f, 0.05f, 0.6f },   // the same dog again, weaker: suppressed
            { 10, 10, 4, 4, 0.2f, 0.9f, 0f },        // objectness too low
        }, "anchors-first", objectness: true);
        var r = await TagWide(dir["m"]);
        var o = Assert.Single(r.Objects!);
        Assert.Equal(("狗", 1), (o.Label, o.Id));
        Assert.Equal(0.72f, o.Score, 3);
        // 128x64 letterboxed into 64x64: scale 0.5, 16 rows of padding on top.
        Assert.Equal([44f, 22f, 84f, 42f], o.Box);
    }

    [Fact]
    public async Task Channels_first_boxes_without_objectness_decode_too()
    {
        using var dir = new TempDir();
        // YOLOv8 layout: [4 + classes, candidates].
        WriteModel(dir["m"], new float[,]
        {
            { 32, 8 }, { 32, 40 }, { 20, 8 }, { 10, 8 }, { 0.9f, 0.1f }, { 0.1f, 0.5f },
        }, "channels-first", objectness: false);
        var r = await TagWide(dir["m"]);
        Assert.Equal(2, r.Objects!.Count);
        Assert.Equal(("猫", 0.9f), (r.Objects[0].Label, r.Objects[0].Score));
        Assert.Equal([44f, 22f, 84f, 42f], r.Objects[0].Box);
        Assert.Equal("狗", r.Objects[1].Label);
        Assert.Equal([8f, 40f, 24f, 56f], r.Objects[1].Box);
    }
}
