using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Wanwu.Decode;
using Wanwu.Models.ModelScope;
using Wanwu.Models.Onnx;
using Wanwu.Models.PyTorch;
using Wanwu.Sources;
using static Wanwu.Models.Onnx.OnnxGraphBuilder;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Tests;

/// <summary>ONNX models built for the graph-rewrite tests, real photos as their inputs, and ONNX Runtime (CPU) to run them.</summary>
internal static class OnnxTestKit
{
    /// <summary>
    /// A small image classifier over uint8 NHWC pixels, as wanwu feeds them: Cast to float, Transpose, scaling,
    /// Conv + BatchNormalization + Relu, MaxPool, Conv + Relu, a channel Softmax (attention, plus a Constant node's 1), a linear Resize, a ReduceMean
    /// pool, a Reshape to a shape computed with Shape/Slice/Concat, a hidden Gemm, and a Gemm head of
    /// <paramref name="classes"/> classes whose logits are the output "logits". Random weights with the given seed.
    /// </summary>
    public static ModelProto ConvNet(int classes, int seed = 1, int size = 32)
    {
        var rng = new Random(seed);
        float[] Uniform(int n, double scale, double offset = 0) => Enumerable.Range(0, n).Select(_ => (float)(offset + scale * (rng.NextDouble() * 2 - 1))).ToArray();
        var g = new OnnxGraphBuilder();
        g.Reserve("pixels");
        g.Reserve("logits");
        g.Input("pixels", DataType.Uint8, -1, size, size, 3);
        var x = g.Node("Cast", "as_float", ["pixels"], Attr("to", (long)DataType.Float));
        x = g.Node("Transpose", "nchw", [x], Attr("perm", [0L, 3, 1, 2]));
        x = g.Node("Mul", "scaled", [x, g.Floats("scale", [], [1 / 255f])]);
        x = g.Node("Sub", "centred", [x, g.Floats("mean", [1, 3, 1, 1], [0.5f, 0.45f, 0.4f])]);
        string Conv(string input, int o, int i, int k) =>
            g.Node("Conv", "conv", [input, g.Floats("w", [o, i, k, k], Uniform(o * i * k * k, Math.Sqrt(6.0 / (i * k * k)))), g.Floats("b", [o], Uniform(o, 0.05))],
                Attr("kernel_shape", [(long)k, k]), Attr("pads", [1L, 1, 1, 1]));
        x = Conv(x, 16, 3, 3);
        x = g.Node("BatchNormalization", "bn", [x, g.Floats("gamma", [16], Uniform(16, 0.2, 1)), g.Floats("beta", [16], Uniform(16, 0.1)),
            g.Floats("running_mean", [16], Uniform(16, 0.1)), g.Floats("running_var", [16], Uniform(16, 0.3, 1))], Attr("epsilon", 1e-5f));
        x = g.Node("Relu", "relu", [x]);
        x = g.Node("MaxPool", "pool", [x], Attr("kernel_shape", [2L, 2]), Attr("strides", [2L, 2]));
        x = g.Node("Relu", "relu", [Conv(x, 32, 16, 3)]);
        var attention = g.Node("Softmax", "channel_attention", [x], Attr("axis", 1L));
        var one = g.Node("Constant", "one", [], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = new TensorProto { DataType = (int)DataType.Float, FloatData = { 1f } } });
        x = g.Node("Mul", "attended", [x, g.Node("Add", "attention_1", [attention, one])]);
        x = g.Node("Resize", "half", [x, "", g.Floats("scales", [4], [1, 1, 0.5f, 0.5f])], Attr("mode", "linear"));
        x = g.Node("ReduceMean", "gap", [x, g.Int64s("axes", 2, 3)], Attr("keepdims", 1L));
        var batch = g.Node("Slice", "batch", [g.Node("Shape", "shape", [x]), g.Int64s("start", 0), g.Int64s("end", 1)]);
        x = g.Node("Reshape", "features", [x, g.Node("Concat", "flat_shape", [batch, g.Int64s("rest", -1)], Attr("axis", 0L))]);
        x = g.Node("Relu", "hidden", [g.Node("Gemm", "fc1", [x, g.Floats("fc1_w", [64, 32], Uniform(64 * 32, Math.Sqrt(6.0 / 32))), g.Floats("fc1_b", [64], Uniform(64, 0.1))], Attr("transB", 1L))]);
        // Scaled so that the softmax has a clear winner, as a trained head's has.
        g.NodeNamed("Gemm", "logits", [x, g.Floats("fc2_w", [classes, 64], Uniform(classes * 64, 3.6)), g.Floats("fc2_b", [classes], Uniform(classes, 0.5))], Attr("transB", 1L));
        g.Output("logits", DataType.Float, -1, classes);
        var model = g.Build();
        // value_info as shape inference leaves it, which the rewrite must keep true.
        foreach (var (name, type) in new[] { ("relu", DataType.Float), ("attended", DataType.Float), ("features", DataType.Float), ("shape", DataType.Int64) })
            model.Graph.ValueInfo.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type } } });
        return model;
    }

    /// <summary>
    /// wanwu's own ResNeSt graph (<see cref="ResNeStToOnnx"/>) of ModelScope's layout with random weights, blocks
    /// [1, 1, 1, 1]; the classifier's weights scaled by <paramref name="headScale"/> so that its softmax has winners.
    /// </summary>
    public static ModelProto ResNeSt(int classes, int seed, float headScale = 1)
    {
        var state = ResNeStReference.RandomStateDict([1, 1, 1, 1], classes, seed);
        var fc = state.Single(t => t.Name == "fc.weight").Data;
        for (var i = 0; i < fc.Length; i++) fc[i] *= headScale;
        return ResNeStToOnnx.Convert(state.ToDictionary(t => t.Name, t => new TorchTensor(t.Shape, t.Data)));
    }

    /// <summary>Real photos decoded as wanwu decodes them (RGB bytes, row-major), stretched to <paramref name="size"/>².</summary>
    public static List<(string Name, byte[] Pixels)> Photos(int count, int size, ResizeMode mode = ResizeMode.Stretch)
    {
        var decoder = new ImageDecoder(new PreprocessSpec(size, size, mode), long.MaxValue);
        return TestPaths.SomePhotos(count).Select(p => (Path.GetFileName(p), decoder.Decode(new InputItem(Path.GetFileName(p), p)).Pixels)).ToList();
    }

    /// <summary>Photos as one NCHW float batch with ImageNet's mean and std, as ModelScope's models take them.</summary>
    public static float[] ImageNetBatch(IReadOnlyList<(string Name, byte[] Pixels)> photos, int size)
    {
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        var plane = size * size;
        var x = new float[photos.Count * 3 * plane];
        for (var b = 0; b < photos.Count; b++)
            for (var i = 0; i < plane; i++)
                for (var c = 0; c < 3; c++) x[(b * 3 + c) * plane + i] = (photos[b].Pixels[i * 3 + c] / 255f - mean[c]) / std[c];
        return x;
    }

    /// <summary>Runs <paramref name="model"/> once on the CPU and returns every requested output as floats or int64s by name.</summary>
    public static Dictionary<string, Array> Run<T>(ModelProto model, string input, T[] data, long[] shape, params string[] outputs) where T : unmanaged =>
        Run(model.ToByteArray(), input, data, shape, outputs);

    public static Dictionary<string, Array> Run<T>(byte[] model, string input, T[] data, long[] shape, params string[] outputs) where T : unmanaged
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, options);
        using var x = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var run = new RunOptions();
        using var results = session.Run(run, [input], [x], outputs);
        var byName = new Dictionary<string, Array>();
        for (var i = 0; i < outputs.Length; i++)
        {
            var type = results[i].GetTensorTypeAndShape().ElementDataType;
            byName[outputs[i]] = type switch
            {
                TensorElementType.Float => results[i].GetTensorDataAsSpan<float>().ToArray(),
                TensorElementType.Int64 => results[i].GetTensorDataAsSpan<long>().ToArray(),
                _ => throw new InvalidOperationException($"output {outputs[i]} is {type}"),
            };
        }
        return byName;
    }

    /// <summary>
    /// The operators ONNX Runtime's CPU provider runs in float32 although the graph gives them float16: it has no float16
    /// kernel for them and wraps them in Casts of its own (InsertCastTransformer). Read from the graph it saves before
    /// its optional optimisations, by the element types there of the inputs of the nodes that compute in float16 here.
    /// </summary>
    public static SortedSet<string> CpuFloat32Fallbacks(ModelProto model)
    {
        using var dir = new TempDir();
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, OptimizedModelFilePath = dir["placed.onnx"] })
        using (new InferenceSession(model.ToByteArray(), options)) { }
        var placed = OnnxPrecision.Load(dir["placed.onnx"]).Graph;
        var ours = OnnxElementTypes.TryInfer(model.Graph, out var problem) ?? throw new InvalidOperationException(problem);
        var theirs = OnnxElementTypes.TryInfer(placed, out problem) ?? throw new InvalidOperationException(problem);
        var narrow = model.Graph.Node.Where(n => n.OpType != "Cast" && n.Name.Length > 0 && n.Input.Any(i => ours[i] == (int)DataType.Float16))
            .ToDictionary(n => n.Name, n => n.OpType);
        return new SortedSet<string>(placed.Node.Where(n => narrow.ContainsKey(n.Name) && n.Input.Any(i => theirs[i] == (int)DataType.Float)).Select(n => n.OpType));
    }

    /// <summary>Index of the largest value of each row.</summary>
    public static int[] Top1(float[] data, int rows)
    {
        var width = data.Length / rows;
        return Enumerable.Range(0, rows).Select(r => ArgMax(data.AsSpan(r * width, width))).ToArray();
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    /// <summary>Row-wise softmax, in double, of a [rows, width] block of logits.</summary>
    public static float[] Softmax(float[] logits, int rows)
    {
        var width = logits.Length / rows;
        var p = new float[logits.Length];
        for (var r = 0; r < rows; r++)
        {
            var row = logits.AsSpan(r * width, width);
            var max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            var sum = 0.0;
            foreach (var v in row) sum += Math.Exp(v - max);
            for (var i = 0; i < width; i++) p[r * width + i] = (float)(Math.Exp(row[i] - max) / sum);
        }
        return p;
    }
}
