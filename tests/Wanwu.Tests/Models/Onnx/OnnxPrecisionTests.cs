using Google.Protobuf;
using Wanwu.Decode;
using Wanwu.Models.Onnx;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Tests;

/// <summary>
/// Float32 ONNX models rewritten to float16 (and bfloat16): networks built here with random weights, run before and
/// after with ONNX Runtime's CPU provider on real photos; the shared int8 model and a float16 model stay as they are.
/// </summary>
public sealed class OnnxPrecisionTests
{
    private static void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Theory]
    [InlineData(12_000)]
    [InlineData(100)]
    public void A_convnet_in_float16_keeps_float32_io_a_float32_softmax_and_its_top1_on_real_photos(int classes)
    {
        var model = OnnxTestKit.ConvNet(classes, seed: 3);
        var result = OnnxPrecision.Convert(model);
        Log(result.Reason);
        Assert.True(result.Converted, result.Reason);
        var g = result.Model.Graph;

        // Graph inputs and outputs as before: uint8 pixels in, float32 logits out.
        Assert.Equal((int)DataType.Uint8, g.Input.Single().Type.TensorType.ElemType);
        Assert.Equal(["logits"], g.Output.Select(o => o.Name));
        Assert.Equal((int)DataType.Float, g.Output.Single().Type.TensorType.ElemType);

        var init = g.Initializer.ToDictionary(t => t.Name, t => t.DataType);
        Assert.Equal((int)DataType.Float16, init["w"]);
        Assert.Equal((int)DataType.Float16, init["running_var"]);
        Assert.Equal((int)DataType.Float16, init["fc1_w"]);
        Assert.Equal((int)DataType.Float, init["scales"]);   // Resize's scales are float32 by the specification
        Assert.Equal((int)DataType.Int64, init["axes"]);
        Assert.Equal((int)DataType.Int64, init["rest"]);
        // The head of 12,000 classes stays float32 (weights and computation); a head of 100 is narrowed like the rest.
        var wideHead = classes > 10_000;
        Assert.Equal(wideHead ? (int)DataType.Float : (int)DataType.Float16, init["fc2_w"]);
        Assert.Equal(wideHead ? (int)DataType.Float : (int)DataType.Float16, init["fc2_b"]);

        var types = OnnxElementTypes.TryInfer(g, out var problem) ?? throw new Xunit.Sdk.XunitException(problem);
        NodeProto Op(string op) => g.Node.First(n => n.OpType == op);
        Assert.Equal((int)DataType.Float, types[Op("Softmax").Input[0]]);
        Assert.Equal((int)DataType.Float, types[Op("ReduceMean").Input[0]]);
        Assert.Equal((int)DataType.Float, types[Op("Resize").Input[0]]);
        Assert.Equal((int)DataType.Float16, types[Op("Conv").Input[0]]);
        Assert.Equal((int)DataType.Float16, types[g.Node.First(n => n.OpType == "Cast" && n.Input[0] == "pixels").Output[0]]);
        Assert.Equal(wideHead ? (int)DataType.Float : (int)DataType.Float16, types[g.Node.Single(n => n.OpType == "Gemm" && n.Output[0].StartsWith("logits", StringComparison.Ordinal)).Input[0]]);
        // The Constant 1 added (in float16) to the float32 Softmax's output becomes a float16 constant; value_info follows the new types.
        Assert.Equal((int)DataType.Float16, types["one"]);
        Assert.Equal((int)DataType.Float16, g.Node.Single(n => n.OpType == "Constant").Attribute.Single().T.DataType);
        var valueInfo = g.ValueInfo.ToDictionary(v => v.Name, v => v.Type.TensorType.ElemType);
        Assert.Equal((int)DataType.Float16, valueInfo["relu"]);
        Assert.Equal((int)DataType.Float16, valueInfo["attended"]);
        Assert.Equal((int)DataType.Int64, valueInfo["shape"]);
        Assert.Contains(result.Float32Nodes, n => n.StartsWith("Softmax", StringComparison.Ordinal));
        Assert.Equal(wideHead, result.Float32Nodes.Contains("Gemm logits"));

        var photos = OnnxTestKit.Photos(8, 32);
        var pixels = photos.SelectMany(p => p.Pixels).ToArray();
        long[] shape = [photos.Count, 32, 32, 3];
        var before = (float[])OnnxTestKit.Run(model, "pixels", pixels, shape, "logits")["logits"];
        var after = (float[])OnnxTestKit.Run(result.Model, "pixels", pixels, shape, "logits")["logits"];
        var p32 = OnnxTestKit.Softmax(before, photos.Count);
        var p16 = OnnxTestKit.Softmax(after, photos.Count);
        var maxDiff = p32.Zip(p16, (a, b) => Math.Abs(a - b)).Max();
        var logitDiff = before.Zip(after, (a, b) => Math.Abs(a - b)).Max();
        var top32 = OnnxTestKit.Top1(before, photos.Count);
        var top16 = OnnxTestKit.Top1(after, photos.Count);
        Log($"{classes} classes: top-1 probabilities {string.Join(", ", top32.Select((t, r) => p32[r * classes + t].ToString("F3")))}; " +
            $"max |p32 - p16| = {maxDiff:E2}, max |logit32 - logit16| = {logitDiff:E2}");
        Log($"run in float32 by the CPU provider (no float16 kernel): {string.Join(", ", OnnxTestKit.CpuFloat32Fallbacks(result.Model))}");
        Assert.True(top32.Select((t, r) => p32[r * classes + t]).Min() > 5.0 / classes, "the random head must have clear winners, or the comparison proves little");
        Assert.Equal(top32, top16);
        Assert.True(maxDiff < 5e-3, $"max probability difference {maxDiff}");
    }

    [Fact]
    public void Wanwus_own_resnest_graph_in_float16_keeps_its_split_attention_softmax_and_54k_style_head_in_float32()
    {
        const int classes = 12_000;
        var model = OnnxTestKit.ResNeSt(classes, seed: 5, headScale: 8);
        var result = OnnxPrecision.Convert(model);
        Log(result.Reason);
        Assert.True(result.Converted, result.Reason);
        var g = result.Model.Graph;
        var types = OnnxElementTypes.TryInfer(g, out var problem) ?? throw new Xunit.Sdk.XunitException(problem);
        Assert.All(g.Node.Where(n => n.OpType == "Softmax"), n => Assert.Equal((int)DataType.Float, types[n.Input[0]]));
        Assert.All(g.Node.Where(n => n.OpType == "Conv"), n => Assert.Equal((int)DataType.Float16, types[n.Input[1]]));
        Assert.All(g.Node.Where(n => n.OpType == "Slice"), n => Assert.Equal((int)DataType.Int64, types[n.Input[1]]));
        var init = g.Initializer.ToDictionary(t => t.Name, t => t.DataType);
        Assert.Equal((int)DataType.Float, init["fc.weight"]);
        Assert.Equal((int)DataType.Float16, init["layer4.0.conv3.weight"]);
        Log($"file: {model.CalculateSize() / 1e6:F1} MB float32 → {result.Model.CalculateSize() / 1e6:F1} MB");

        var photos = OnnxTestKit.Photos(4, 224, ResizeMode.CenterCrop);
        var x = OnnxTestKit.ImageNetBatch(photos, 224);
        long[] shape = [photos.Count, 3, 224, 224];
        var before = (float[])OnnxTestKit.Run(model, "input", x, shape, "logits")["logits"];
        var after = (float[])OnnxTestKit.Run(result.Model, "input", x, shape, "logits")["logits"];
        var p32 = OnnxTestKit.Softmax(before, photos.Count);
        var p16 = OnnxTestKit.Softmax(after, photos.Count);
        var maxDiff = p32.Zip(p16, (a, b) => Math.Abs(a - b)).Max();
        var top32 = OnnxTestKit.Top1(before, photos.Count);
        var top16 = OnnxTestKit.Top1(after, photos.Count);
        var top5Overlap = Enumerable.Range(0, photos.Count).Average(r =>
            Top(p32, r, classes, 5).Intersect(Top(p16, r, classes, 5)).Count() / 5.0);
        Log($"top-1 {string.Join(", ", top32)} / {string.Join(", ", top16)}; top-1 p {string.Join(", ", top32.Select((t, r) => p32[r * classes + t].ToString("F4")))}; " +
            $"max |p32 - p16| = {maxDiff:E2}; top-5 overlap {top5Overlap:P0}");
        Log($"run in float32 by the CPU provider (no float16 kernel): {string.Join(", ", OnnxTestKit.CpuFloat32Fallbacks(result.Model))}");
        Assert.True(top32.Select((t, r) => p32[r * classes + t]).Min() > 5.0 / classes, "the random head must have clear winners, or the comparison proves little");
        Assert.Equal(top32, top16);
        Assert.True(maxDiff < 5e-3, $"max probability difference {maxDiff}");
    }

    private static IEnumerable<int> Top(float[] p, int row, int width, int k) =>
        Enumerable.Range(0, width).OrderByDescending(i => p[row * width + i]).Take(k);

    [Fact]
    public void A_converted_model_survives_a_save_and_load_and_is_then_seen_as_already_float16()
    {
        using var dir = new TempDir();
        var model = OnnxTestKit.ConvNet(12_000, seed: 4);
        File.WriteAllBytes(dir["model.onnx"], model.ToByteArray());
        Assert.True(OnnxPrecision.Inspect(dir["model.onnx"]).Convertible);

        var result = OnnxPrecision.ConvertFile(dir["model.onnx"], dir["model.fp16.onnx"]);
        Assert.True(result.Converted, result.Reason);
        var loaded = OnnxPrecision.Load(dir["model.fp16.onnx"]);
        Assert.Equal(result.Model, loaded);
        Assert.Equal("float16", loaded.MetadataProps.Single(p => p.Key == OnnxPrecision.MetadataKey).Value);
        Log($"{new FileInfo(dir["model.onnx"]).Length:N0} bytes → {new FileInfo(dir["model.fp16.onnx"]).Length:N0} bytes");

        var photos = OnnxTestKit.Photos(3, 32);
        var pixels = photos.SelectMany(p => p.Pixels).ToArray();
        long[] shape = [photos.Count, 32, 32, 3];
        var fromMemory = (float[])OnnxTestKit.Run(result.Model, "pixels", pixels, shape, "logits")["logits"];
        var fromFile = (float[])OnnxTestKit.Run(File.ReadAllBytes(dir["model.fp16.onnx"]), "pixels", pixels, shape, "logits")["logits"];
        Assert.Equal(fromMemory, fromFile);

        var again = OnnxPrecision.Inspect(dir["model.fp16.onnx"]);
        Assert.False(again.Convertible);
        Assert.Contains("already float16", again.Reason);
    }

    [Fact]
    public void The_shared_int8_mobilenet_is_returned_unchanged_as_quantised()
    {
        var path = Path.Combine(TestPaths.MobileNet, "mobilenet_v2_1.0_224_int8_per_tensor.onnx");
        var model = OnnxPrecision.Load(path);
        var verdict = OnnxPrecision.Inspect(model);
        Log($"{Path.GetFileName(path)}: opset {OnnxGraphEditor.DefaultOpset(model)}; {verdict.Reason}");
        Assert.False(verdict.Convertible);
        Assert.Contains("quantised", verdict.Reason);
        var result = OnnxPrecision.Convert(model);
        Assert.False(result.Converted);
        Assert.Same(model, result.Model);
        Assert.Equal(verdict.Reason, result.Reason);
    }

    [Fact]
    public void A_float16_model_is_returned_unchanged()
    {
        var model = Fp16Tests.ColourMeansModel();
        var result = OnnxPrecision.Convert(model);
        Assert.False(result.Converted);
        Assert.Same(model, result.Model);
        Assert.Contains("already float16", result.Reason);
        Assert.Contains("'pixels'", result.Reason);
    }

    [Fact]
    public void Blocked_nodes_and_operators_stay_float32_with_their_weights()
    {
        var model = OnnxTestKit.ConvNet(100, seed: 6);
        var result = OnnxPrecision.Convert(model, new PrecisionOptions
        {
            NodeBlockList = new HashSet<string> { "fc1" },
            OpBlockList = new HashSet<string>(OnnxPrecision.DefaultOpBlockList) { "BatchNormalization" },
        });
        Assert.True(result.Converted, result.Reason);
        var init = result.Model.Graph.Initializer.ToDictionary(t => t.Name, t => t.DataType);
        Assert.Equal((int)DataType.Float, init["fc1_w"]);
        Assert.Equal((int)DataType.Float, init["running_var"]);
        Assert.Equal((int)DataType.Float16, init["w"]);
        Assert.Contains("Gemm fc1", result.Float32Nodes);
        Assert.Contains("BatchNormalization bn", result.Float32Nodes);

        var photos = OnnxTestKit.Photos(2, 32);
        var pixels = photos.SelectMany(p => p.Pixels).ToArray();
        long[] shape = [photos.Count, 32, 32, 3];
        var before = (float[])OnnxTestKit.Run(model, "pixels", pixels, shape, "logits")["logits"];
        var after = (float[])OnnxTestKit.Run(result.Model, "pixels", pixels, shape, "logits")["logits"];
        Assert.Equal(OnnxTestKit.Top1(before, photos.Count), OnnxTestKit.Top1(after, photos.Count));
    }

    [Fact]
    public void Float16_weights_keep_tiny_values_non_zero_and_huge_ones_finite()
    {
        // 1e-7 is float16's subnormal 2^-23.
        Assert.Equal(Math.Pow(2, -23), (double)BitConverter.UInt16BitsToHalf(FloatNarrowing.ToHalfBits(1e-12f)));
        Assert.Equal(-Math.Pow(2, -23), (double)BitConverter.UInt16BitsToHalf(FloatNarrowing.ToHalfBits(-3e-9f)));
        Assert.Equal(-65504.0, (double)BitConverter.UInt16BitsToHalf(FloatNarrowing.ToHalfBits(-1e9f)));
        Assert.Equal(65504.0, (double)BitConverter.UInt16BitsToHalf(FloatNarrowing.ToHalfBits(70000f)));
        Assert.Equal(0.0, (double)BitConverter.UInt16BitsToHalf(FloatNarrowing.ToHalfBits(0f)));
        Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(FloatNarrowing.ToHalfBits(float.NaN))));
        Assert.True(Half.IsNegativeInfinity(BitConverter.UInt16BitsToHalf(FloatNarrowing.ToHalfBits(float.NegativeInfinity))));
        Assert.Equal(0.333251953125, (double)BitConverter.UInt16BitsToHalf(FloatNarrowing.ToHalfBits(1 / 3f)));

        // bfloat16: float32's range, 8 significant bits, rounded to nearest even.
        Assert.Equal(1f, FloatNarrowing.FromBFloat16Bits(FloatNarrowing.ToBFloat16Bits(1.00390625f)));      // halfway, to even
        Assert.Equal(1.015625f, FloatNarrowing.FromBFloat16Bits(FloatNarrowing.ToBFloat16Bits(1.01171875f)));  // halfway, to even (up)
        Assert.Equal(1.0078125f, FloatNarrowing.FromBFloat16Bits(FloatNarrowing.ToBFloat16Bits(1.0097f)));     // nearest
        Assert.Equal(-1e30f, FloatNarrowing.FromBFloat16Bits(FloatNarrowing.ToBFloat16Bits(-1e30f)), 1e28f);
        Assert.True(float.IsNaN(FloatNarrowing.FromBFloat16Bits(FloatNarrowing.ToBFloat16Bits(float.NaN))));
    }

    [Fact]
    public void A_bfloat16_conversion_stores_bfloat16_weights_and_keeps_float32_io()
    {
        var model = OnnxTestKit.ConvNet(100, seed: 7);
        var options = new PrecisionOptions { Target = NarrowFloat.BFloat16 };
        // Conv and pooling take bfloat16 from opset 22 on: wanwu's opset-18 graphs are refused, the same graph at 22 converts.
        var refused = OnnxPrecision.Convert(model, options);
        Assert.False(refused.Converted);
        Assert.Contains("opset 18", refused.Reason);
        model.OpsetImport.Single().Version = 22;
        var result = OnnxPrecision.Convert(model, options);
        Assert.True(result.Converted, result.Reason);
        var g = result.Model.Graph;
        var w = g.Initializer.Single(t => t.Name == "fc1_w");
        Assert.Equal(OnnxPrecision.BFloat16, w.DataType);
        var original = FloatNarrowing.Floats(model.Graph.Initializer.Single(t => t.Name == "fc1_w")).ToArray();
        var narrow = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(w.RawData.Span).ToArray().Select(FloatNarrowing.FromBFloat16Bits).ToArray();
        Assert.Equal(original.Length, narrow.Length);
        Assert.All(original.Zip(narrow), p => Assert.True(Math.Abs(p.First - p.Second) <= Math.Abs(p.First) / 256, $"{p.First} → {p.Second}"));
        Assert.Equal((int)DataType.Float, g.Output.Single().Type.TensorType.ElemType);
        Assert.Equal("bfloat16", result.Model.MetadataProps.Single(p => p.Key == OnnxPrecision.MetadataKey).Value);

        // ONNX Runtime checks the graph's types first (a type error fails the test); its CPU provider has bfloat16 kernels
        // for few operators and, unlike for float16, inserts no Casts around the others: what it says is reported.
        var photos = OnnxTestKit.Photos(2, 32);
        var pixels = photos.SelectMany(p => p.Pixels).ToArray();
        try
        {
            var after = (float[])OnnxTestKit.Run(result.Model, "pixels", pixels, [photos.Count, 32, 32, 3], "logits")["logits"];
            var before = (float[])OnnxTestKit.Run(model, "pixels", pixels, [photos.Count, 32, 32, 3], "logits")["logits"];
            Log($"bfloat16 ran on the CPU: max |logit32 - logit16| = {before.Zip(after, (a, b) => Math.Abs(a - b)).Max():E2}");
            Assert.Equal(OnnxTestKit.Top1(before, photos.Count), OnnxTestKit.Top1(after, photos.Count));
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e) when (e.Message.Contains("Could not find an implementation", StringComparison.Ordinal))
        {
            Log($"bfloat16 does not run on the CPU provider: {e.Message}");
        }
    }
}
