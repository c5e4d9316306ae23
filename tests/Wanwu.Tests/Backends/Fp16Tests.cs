using Google.Protobuf;
using NetVips;
using Wanwu.Models.Onnx;
using static Wanwu.Models.Onnx.OnnxGraphBuilder;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Tests;

/// <summary>FP16 models run as they are: float16 input written by the encoder, float16 output read back, a real ONNX model built here.</summary>
public class Fp16Tests
{
    [Fact]
    public async Task A_float16_model_gets_float16_pixels_and_its_float16_scores_are_read()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["m"]);
        File.WriteAllBytes(dir["m/colours.onnx"], ColourMeansModel().ToByteArray());
        File.WriteAllText(dir["m/labels.txt"], "红\n绿\n蓝\n");
        File.WriteAllText(dir["m/wanwu.json"], """{ "task": "classify", "input": { "pixel_scale": 255, "mean": [0, 0, 0], "std": [1, 1, 1] }, "output": { "kind": "logits" } }""");

        using (var black = Image.Black(40, 30, bands: 3))
        using (var colour = black.NewFromImage([200.0, 50.0, 10.0]))
            colour.Pngsave(dir["colour.png"]);
        var r = (await ModelTestKit.TagAsync(dir["m"], [dir["colour.png"]]))[dir["colour.png"]];

        Assert.Null(r.Error);
        Assert.Equal(["红", "绿", "蓝"], r.Labels.Select(l => l.Label));
        double[] means = [200 / 255.0, 50 / 255.0, 10 / 255.0];
        var expected = Math.Exp(means[0]) / means.Sum(Math.Exp);
        Assert.Equal(expected, r.Labels[0].Score, 0.005);
    }

    /// <summary>A float16 model: scores = the mean of each colour channel (0..1), computed in float32 between two casts.</summary>
    internal static ModelProto ColourMeansModel()
    {
        var g = new OnnxGraphBuilder();
        g.Reserve("scores");
        g.Input("pixels", DataType.Float16, -1, 3, 16, 16);
        var f32 = g.Node("Cast", "f32", ["pixels"], Attr("to", (long)DataType.Float));
        var mean = g.Node("ReduceMean", "mean", [f32, g.Int64s("axes", 2, 3)], Attr("keepdims", 0L));
        var scores = g.NodeNamed("Cast", "scores", [mean], Attr("to", (long)DataType.Float16));
        g.Output(scores, DataType.Float16, -1, 3);
        return g.Build();
    }
}
