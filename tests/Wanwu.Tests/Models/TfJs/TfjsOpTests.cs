using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Sinks;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Wanwu.Models.TfJs;

namespace Wanwu.Tests;

/// <summary>
/// The TF.js → ONNX import, op by op: each test writes a one-op TF.js graph model (model.json + weights.bin, as the
/// TF.js converter lays them out), imports it, runs it in ONNX Runtime and compares with a plain NHWC computation here.
/// </summary>
public class TfjsOpTests
{
    private sealed class Graph
    {
        public readonly List<object> Nodes = [];
        public readonly List<object> Specs = [];
        public readonly MemoryStream Bin = new();

        public Graph(int h, int w, int c) => Nodes.Add(new { name = "x", op = "Placeholder", attr = new { dtype = new { type = "DT_FLOAT" }, shape = new { shape = new { dim = new object[] { new { size = "1" }, new { size = $"{h}" }, new { size = $"{w}" }, new { size = $"{c}" } } } } } });

        public string Const(string name, int[] shape, float[] values)
        {
            Nodes.Add(new { name, op = "Const", attr = new { dtype = new { type = "DT_FLOAT" } } });
            Specs.Add(new { name, shape, dtype = "float32" });
            foreach (var v in values) Bin.Write(BitConverter.GetBytes(v));
            return name;
        }

        public string IntConst(string name, int[] values)
        {
            Nodes.Add(new { name, op = "Const", attr = new { dtype = new { type = "DT_INT32" } } });
            Specs.Add(new { name, shape = values.Length == 1 ? Array.Empty<int>() : new[] { values.Length }, dtype = "int32" });
            foreach (var v in values) Bin.Write(BitConverter.GetBytes(v));
            return name;
        }

        public string Op(string name, string op, string[] inputs, object? attr = null)
        {
            Nodes.Add(new { name, op, input = inputs, attr = attr ?? new { } });
            return name;
        }

        /// <summary>Writes model.json and weights.bin into <paramref name="folder"/>, as tensorflowjs_converter does.</summary>
        public void Save(string folder)
        {
            var json = new { format = "graph-model", modelTopology = new { node = Nodes }, weightsManifest = new[] { new { paths = new[] { "weights.bin" }, weights = Specs } } };
            File.WriteAllText(Path.Combine(folder, "model.json"), JsonSerializer.Serialize(json));
            File.WriteAllBytes(Path.Combine(folder, "weights.bin"), Bin.ToArray());
        }

        public float[] Run(string output, float[] input, int[] inputShape, out int[] outShape)
        {
            using var dir = new TempDir();
            Save(dir.Path);
            var onnx = TfjsToOnnx.Convert(TfjsGraph.Load(dir["model.json"]), new Dictionary<string, string> { [output] = "y" }, "images");
            using var session = new InferenceSession(onnx.ToByteArray());
            using var x = OrtValue.CreateTensorValueFromMemory(input, inputShape.Select(d => (long)d).ToArray());
            using var results = session.Run(new RunOptions(), ["images"], [x], ["y"]);
            outShape = results[0].GetTensorTypeAndShape().Shape.Select(d => (int)d).ToArray();
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
    }

    [Fact]
    public async Task A_tfjs_graph_model_folder_is_a_model_wanwu_tags_with_after_a_one_time_import()
    {
        using var dir = new TempDir();
        // A colour classifier: a 1x1 convolution that copies R, G, B into three class scores, averaged over the image.
        var g = new Graph(32, 32, 3);
        g.Const("f", [1, 1, 3, 3], [20, 0, 0, 0, 20, 0, 0, 0, 20]);
        g.Op("conv", "Conv2D", ["x", "f"], new { strides = Ints(1, 1, 1, 1), padding = new { s = B64("VALID") }, data_format = new { s = B64("NHWC") }, dilations = Ints(1, 1, 1, 1) });
        g.IntConst("axes", [1, 2]);
        g.Op("colour", "Mean", ["conv", "axes"], new { keep_dims = new { b = true } });
        var model = Directory.CreateDirectory(dir["tfjs-colours"]).FullName;
        g.Save(model);
        File.WriteAllLines(Path.Combine(model, "labels.txt"), ["红色", "绿色", "蓝色"]);
        File.WriteAllText(Path.Combine(model, ModelCard.FileName), """{"input": {"pixel_scale": 255, "mean": [0, 0, 0], "std": [1, 1, 1], "resize": "stretch"}, "output": {"kind": "logits"}}""");
        Directory.CreateDirectory(dir["in"]);
        using (var red = NetVips.Image.Black(40, 30).NewFromImage(230, 20, 20).Cast(NetVips.Enums.BandFormat.Uchar)) red.WriteToFile(dir["in/red.png"]);
        using (var blue = NetVips.Image.Black(40, 30).NewFromImage(10, 30, 200).Cast(NetVips.Enums.BandFormat.Uchar)) blue.WriteToFile(dir["in/blue.png"]);

        var summary = await TaggingEngine.RunAsync(ModelTestKit.Run([dir["in"]], dir["out"], new ModelOptions { Model = model, CacheDir = dir["cache"] }) with { Postprocess = new() { TopK = 1 } },
            ct: TestContext.Current.CancellationToken);
        Assert.Equal(2, summary.Ok);
        var labels = ResultJournal.ReadAll(new OutputFolder(dir["out"])).ToDictionary(r => r.Path, r => r.Labels[0].Label);
        Assert.Equal("红色", labels["red.png"]);
        Assert.Equal("蓝色", labels["blue.png"]);

        var import = CliProcess.Run("models", "import", model, "-o", dir["imported"]);
        Assert.True(import.ExitCode == 0, import.Stderr);
        var inspect = CliProcess.Run("models", "inspect", dir["imported"]);
        Assert.Contains("covers all 3 outputs", inspect.Stdout);
    }

    private static string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s));
    private static object Ints(params int[] v) => new { list = new { i = v.Select(i => i.ToString()).ToArray() } };
    private static float[] Random(int n, int seed) { var r = new Random(seed); return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray(); }

    /// <summary>TF's convolution, NHWC, with SAME (extra pixel at the end) or VALID padding; depthwise when <paramref name="mult"/> is set.</summary>
    private static float[] Conv(float[] x, int h, int w, int c, float[] f, int k, int outC, int stride, bool same, int mult, out int oh, out int ow)
    {
        oh = same ? (h + stride - 1) / stride : (h - k) / stride + 1;
        ow = same ? (w + stride - 1) / stride : (w - k) / stride + 1;
        var padT = same ? Math.Max((oh - 1) * stride + k - h, 0) / 2 : 0;
        var padL = same ? Math.Max((ow - 1) * stride + k - w, 0) / 2 : 0;
        var channels = mult > 0 ? c * mult : outC;
        var y = new float[oh * ow * channels];
        for (var i = 0; i < oh; i++)
        for (var j = 0; j < ow; j++)
        for (var o = 0; o < channels; o++)
        {
            double sum = 0;
            for (var di = 0; di < k; di++)
            for (var dj = 0; dj < k; dj++)
            {
                var (yy, xx) = (i * stride + di - padT, j * stride + dj - padL);
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                if (mult > 0) sum += x[(yy * w + xx) * c + o / mult] * f[((di * k + dj) * c + o / mult) * mult + o % mult];
                else for (var ci = 0; ci < c; ci++) sum += x[(yy * w + xx) * c + ci] * f[((di * k + dj) * c + ci) * outC + o];
            }
            y[(i * ow + j) * channels + o] = (float)sum;
        }
        return y;
    }

    private static void Near(float[] expected, float[] actual, double tolerance = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Theory]
    [InlineData(3, 2, "SAME")]
    [InlineData(3, 1, "VALID")]
    [InlineData(1, 1, "SAME")]
    public void Conv2D(int k, int stride, string padding)
    {
        var (h, w, c, oc) = (7, 6, 3, 4);
        var g = new Graph(h, w, c);
        var f = Random(k * k * c * oc, 1);
        g.Const("f", [k, k, c, oc], f);
        g.Op("y", "Conv2D", ["x", "f"], new { strides = Ints(1, stride, stride, 1), padding = new { s = B64(padding) }, data_format = new { s = B64("NHWC") }, dilations = Ints(1, 1, 1, 1) });
        var x = Random(h * w * c, 2);
        var y = g.Run("y", x, [1, h, w, c], out var shape);
        var expected = Conv(x, h, w, c, f, k, oc, stride, padding == "SAME", 0, out var oh, out var ow);
        Assert.Equal([1, oh, ow, oc], shape);
        Near(expected, y);
    }

    [Fact]
    public void Depthwise_conv_with_a_multiplier()
    {
        var (h, w, c, k, mult) = (6, 6, 3, 3, 2);
        var g = new Graph(h, w, c);
        var f = Random(k * k * c * mult, 3);
        g.Const("f", [k, k, c, mult], f);
        g.Op("y", "DepthwiseConv2dNative", ["x", "f"], new { strides = Ints(1, 2, 2, 1), padding = new { s = B64("SAME") }, data_format = new { s = B64("NHWC") }, dilations = Ints(1, 1, 1, 1) });
        var x = Random(h * w * c, 4);
        Near(Conv(x, h, w, c, f, k, 0, 2, true, mult, out _, out _), g.Run("y", x, [1, h, w, c], out _));
    }

    [Fact]
    public void Fused_conv_with_bias_and_relu6()
    {
        var (h, w, c, oc) = (5, 5, 2, 3);
        var g = new Graph(h, w, c);
        var f = Random(9 * c * oc, 5).Select(v => v * 8).ToArray();
        var bias = new[] { 0.5f, -1f, 2f };
        g.Const("f", [3, 3, c, oc], f);
        g.Const("b", [oc], bias);
        g.Op("y", "_FusedConv2D", ["x", "f", "b"], new
        {
            strides = Ints(1, 1, 1, 1), padding = new { s = B64("SAME") }, data_format = new { s = B64("NHWC") }, dilations = Ints(1, 1, 1, 1),
            fused_ops = new { list = new { s = new[] { B64("BiasAdd"), B64("Relu6") } } }, num_args = new { i = "1" },
        });
        var x = Random(h * w * c, 6);
        var expected = Conv(x, h, w, c, f, 3, oc, 1, true, 0, out _, out _).Select((v, i) => Math.Clamp(v + bias[i % oc], 0f, 6f)).ToArray();
        Near(expected, g.Run("y", x, [1, h, w, c], out _));
    }

    [Fact]
    public void Elementwise_ops_broadcast_per_channel_as_in_nhwc()
    {
        var (h, w, c) = (3, 4, 3);
        var g = new Graph(h, w, c);
        var scale = new[] { 1f, -2f, 0.5f };
        g.Const("s", [c], scale);
        g.Const("half", [], [0.5f]);
        g.Op("m", "Mul", ["x", "s"]);
        g.Op("a", "Add", ["m", "half"]);
        g.Op("r", "Relu", ["a"]);
        g.Op("y", "Sigmoid", ["r"]);
        var x = Random(h * w * c, 7);
        var expected = x.Select((v, i) => 1f / (1f + MathF.Exp(-Math.Max(0, v * scale[i % c] + 0.5f)))).ToArray();
        Near(expected, g.Run("y", x, [1, h, w, c], out _));
    }

    [Fact]
    public void Mean_over_height_and_width_keeps_dims()
    {
        var (h, w, c) = (4, 5, 3);
        var g = new Graph(h, w, c);
        g.IntConst("axes", [1, 2]);
        g.Op("y", "Mean", ["x", "axes"], new { keep_dims = new { b = true } });
        var x = Random(h * w * c, 8);
        var y = g.Run("y", x, [1, h, w, c], out var shape);
        Assert.Equal([1, 1, 1, c], shape);
        Near(Enumerable.Range(0, c).Select(ch => (float)Enumerable.Range(0, h * w).Average(p => x[p * c + ch])).ToArray(), y);
    }

    [Fact]
    public void Concat_on_channels_after_a_maxpool_and_a_resize()
    {
        var (h, w, c) = (4, 4, 2);
        var g = new Graph(h, w, c);
        g.Op("p", "MaxPool", ["x"], new { ksize = Ints(1, 2, 2, 1), strides = Ints(1, 2, 2, 1), padding = new { s = B64("VALID") }, data_format = new { s = B64("NHWC") } });
        g.IntConst("size", [4, 4]);
        g.Op("u", "ResizeBilinear", ["p", "size"], new { align_corners = new { b = false }, half_pixel_centers = new { b = false } });
        g.IntConst("axis", [-1]);
        g.Op("y", "ConcatV2", ["x", "u", "axis"], new { N = new { i = "2" } });
        var x = Random(h * w * c, 9);
        var y = g.Run("y", x, [1, h, w, c], out var shape);
        Assert.Equal([1, h, w, 2 * c], shape);
        float Pool(int i, int j, int ch) => new[] { x[((2 * i) * w + 2 * j) * c + ch], x[((2 * i) * w + 2 * j + 1) * c + ch], x[((2 * i + 1) * w + 2 * j) * c + ch], x[((2 * i + 1) * w + 2 * j + 1) * c + ch] }.Max();
        // TF's bilinear resize without half-pixel centres samples source point (i/2, j/2), clamped at the edge.
        float Up(int i, int j, int ch)
        {
            var (sy, sx) = (i / 2.0, j / 2.0);
            var (y0, x0) = ((int)sy, (int)sx);
            var (y1, x1) = (Math.Min(y0 + 1, 1), Math.Min(x0 + 1, 1));
            var (fy, fx) = (sy - y0, sx - x0);
            return (float)((1 - fy) * ((1 - fx) * Pool(y0, x0, ch) + fx * Pool(y0, x1, ch)) + fy * ((1 - fx) * Pool(y1, x0, ch) + fx * Pool(y1, x1, ch)));
        }
        var expected = new float[h * w * 2 * c];
        for (var i = 0; i < h; i++)
        for (var j = 0; j < w; j++)
        for (var ch = 0; ch < 2 * c; ch++)
            expected[(i * w + j) * 2 * c + ch] = ch < c ? x[(i * w + j) * c + ch] : Up(i, j, ch - c);
        Near(expected, y);
    }

    [Fact]
    public void An_unsupported_op_is_named_in_the_error()
    {
        var g = new Graph(2, 2, 1);
        g.Op("y", "Erf", ["x"]);
        var e = Assert.Throws<ModelLoadException>(() => g.Run("y", new float[4], [1, 2, 2, 1], out _));
        Assert.Contains("Erf", e.Message);
    }
}
