using System.Text.Json;
using Wanwu.Models.Onnx;
using static Wanwu.Models.Onnx.OnnxGraphBuilder;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Models.TfJs;

/// <summary>
/// Converts the image part of a TF.js graph model (NHWC convolutional networks) into an ONNX graph that ONNX Runtime runs.
/// Activations are carried in NCHW inside the graph, with one transpose at the input and one per output, so convolutions run
/// in ONNX Runtime's native layout; the batch dimension becomes dynamic.
/// </summary>
internal sealed class TfjsToOnnx
{
    /// <summary>TF ops this importer translates.</summary>
    public static readonly IReadOnlySet<string> SupportedOps = new HashSet<string>
    {
        "Placeholder", "Const", "Identity", "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative",
        "Add", "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Relu", "Relu6", "Sigmoid", "Tanh", "Mean",
        "ConcatV2", "ResizeBilinear", "ResizeNearestNeighbor", "MaxPool", "AvgPool", "BiasAdd",
    };

    private readonly TfjsGraph _tf;
    private readonly OnnxGraphBuilder _onnx = new();
    private readonly Dictionary<string, string> _converted = new();

    private TfjsToOnnx(TfjsGraph tf) => _tf = tf;

    /// <summary>
    /// Builds an ONNX model computing <paramref name="outputs"/> (TF node name → ONNX output name, NHWC as in TF).
    /// The TF input placeholder becomes <paramref name="inputName"/>, float32 NHWC with a dynamic batch.
    /// </summary>
    public static ModelProto Convert(TfjsGraph tf, IReadOnlyDictionary<string, string> outputs, string inputName = "images", IDictionary<string, string>? metadata = null)
    {
        try
        {
            return ConvertCore(tf, outputs, inputName, metadata);
        }
        catch (Exception e) when (e is not ModelLoadException and not OutOfMemoryException)
        {
            // A graph that does not hold together (wrong shapes, missing attributes) is a bad model file, not a bug to crash on.
            throw new ModelLoadException($"The TF.js graph is malformed: {e.Message}", e);
        }
    }

    private static ModelProto ConvertCore(TfjsGraph tf, IReadOnlyDictionary<string, string> outputs, string inputName, IDictionary<string, string>? metadata)
    {
        var converter = new TfjsToOnnx(tf);
        var unsupported = converter.Reachable(outputs.Keys).Select(n => tf.Nodes[n].Op).Where(op => !SupportedOps.Contains(op)).Distinct().ToList();
        if (unsupported.Count > 0)
            throw new ModelLoadException($"The TF.js graph uses ops wanwu cannot import: {string.Join(", ", unsupported)}.");
        converter._inputName = inputName;
        converter._onnx.Reserve(inputName);
        foreach (var onnxName in outputs.Values) converter._onnx.Reserve(onnxName);
        foreach (var (tfName, onnxName) in outputs)
        {
            var nchw = converter.Tensor(tfName);
            var nhwc = converter._onnx.NodeNamed("Transpose", onnxName, [nchw], Attr("perm", [0L, 2, 3, 1]));
            converter._onnx.Output(nhwc, DataType.Float, -1, -1, -1, -1);
        }
        return converter._onnx.Build(metadata);
    }

    private string _inputName = "images";

    private IEnumerable<string> Reachable(IEnumerable<string> outputs)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>(outputs.Select(Base));
        while (stack.Count > 0)
        {
            var name = stack.Pop();
            if (!seen.Add(name)) continue;
            if (!_tf.Nodes.TryGetValue(name, out var node))
                throw new ModelLoadException($"The TF.js graph has no node '{name}'.");
            foreach (var i in node.Inputs) stack.Push(Base(i));
        }
        return seen;
    }

    private static string Base(string input) => input.Split(':')[0];

    /// <summary>Height, width and channels the placeholder declares (NHWC): -1 for a size it leaves open, 3 channels when it does not say.</summary>
    private static long[] PlaceholderDims(TfNode n)
    {
        long Dim(JsonElement dims, int i, long fallback) =>
            dims[i].TryGetProperty("size", out var size) && long.TryParse(size.GetString(), out var v) && v > 0 ? v : fallback;
        return n.Has("shape") && n.Attr.GetProperty("shape").TryGetProperty("shape", out var shape) && shape.TryGetProperty("dim", out var dims) && dims.GetArrayLength() == 4
            ? [Dim(dims, 1, -1), Dim(dims, 2, -1), Dim(dims, 3, 3)]
            : [-1, -1, 3];
    }

    /// <summary>The ONNX name of a TF tensor, converting its producer first (iteratively: graphs are deep).</summary>
    private string Tensor(string tfName)
    {
        var order = new List<string>();
        var stack = new Stack<(string Name, bool Expanded)>();
        stack.Push((Base(tfName), false));
        var visited = new HashSet<string>();
        while (stack.Count > 0)
        {
            var (name, expanded) = stack.Pop();
            if (_converted.ContainsKey(name)) continue;
            if (expanded) { order.Add(name); _converted[name] = ConvertNode(_tf.Nodes[name]); continue; }
            if (!visited.Add(name)) continue;
            stack.Push((name, true));
            var node = _tf.Nodes[name];
            if (node.Op is "Const") continue;
            foreach (var i in node.Inputs.Select(Base).Where(i => _tf.Nodes[i].Op != "Const")) stack.Push((i, false));
        }
        return _converted[Base(tfName)];
    }

    private string ConvertNode(TfNode n)
    {
        string X(int i) => Tensor(n.Inputs[i]);
        switch (n.Op)
        {
            case "Placeholder":
            {
                _onnx.Input(_inputName, DataType.Float, [-1, .. PlaceholderDims(n)]);
                return _onnx.Node("Transpose", "input_nchw", [_inputName], Attr("perm", [0L, 3, 1, 2]));
            }
            case "Identity": return X(0);
            case "Conv2D": case "_FusedConv2D": case "DepthwiseConv2dNative": case "FusedDepthwiseConv2dNative":
                return Conv(n);
            case "BiasAdd": return _onnx.Node("Add", n.Name, [X(0), ConstInput(n.Inputs[1])]);
            case "Add": case "AddV2": case "Sub": case "Mul": case "RealDiv": case "Maximum": case "Minimum":
                return Binary(n);
            case "Relu": return _onnx.Node("Relu", n.Name, [X(0)]);
            case "Relu6": return Relu6(X(0), n.Name);
            case "Sigmoid": return _onnx.Node("Sigmoid", n.Name, [X(0)]);
            case "Tanh": return _onnx.Node("Tanh", n.Name, [X(0)]);
            case "Mean":
            {
                var axes = Weight(n.Inputs[1]).Ints!.Select(a => (long)NchwAxis(a)).ToArray();
                return _onnx.Node("ReduceMean", n.Name, [X(0), _onnx.Int64s(n.Name + "_axes", axes)], Attr("keepdims", n.Bool("keep_dims") ? 1L : 0L));
            }
            case "ConcatV2":
            {
                var axis = NchwAxis(Weight(n.Inputs[^1]).Ints![0]);
                var inputs = n.Inputs.Take(n.Inputs.Count - 1).Select(i => IsConst(i) ? ConstInput(i) : Tensor(i)).ToList();
                return _onnx.Node("Concat", n.Name, inputs, Attr("axis", (long)axis));
            }
            case "ResizeBilinear": case "ResizeNearestNeighbor":
            {
                var size = Weight(n.Inputs[1]).Ints!.Select(v => (long)v).ToArray();
                var transform = n.Bool("align_corners") ? "align_corners" : n.Bool("half_pixel_centers")
                    ? (n.Op == "ResizeBilinear" ? "half_pixel" : "tf_half_pixel_for_nn") : "asymmetric";
                return _onnx.Node("Resize", n.Name, [X(0), "", "", _onnx.Int64s(n.Name + "_sizes", size)],
                    Attr("mode", n.Op == "ResizeBilinear" ? "linear" : "nearest"), Attr("coordinate_transformation_mode", transform),
                    Attr("axes", [2L, 3]), Attr("nearest_mode", "floor"));
            }
            case "MaxPool": case "AvgPool":
            {
                var k = n.Ints("ksize");
                var s = n.Ints("strides");
                var attrs = new List<Wanwu.Models.Onnx.AttributeProto> { Attr("kernel_shape", [k[1], k[2]]), Attr("strides", [s[1], s[2]]), Padding(n) };
                if (n.Op == "AvgPool") attrs.Add(Attr("count_include_pad", 0L));
                return _onnx.Node(n.Op == "MaxPool" ? "MaxPool" : "AveragePool", n.Name, [X(0)], [.. attrs]);
            }
            default:
                throw new ModelLoadException($"TF op '{n.Op}' (node '{n.Name}') cannot be imported.");
        }
    }

    private string Conv(TfNode n)
    {
        if (n.String("data_format") is { } fmt && fmt != "NHWC")
            throw new ModelLoadException($"node '{n.Name}' uses data format {fmt}; only NHWC graphs are imported");
        var filter = Weight(n.Inputs[1]);
        var (kh, kw, cin, cout) = (filter.Shape[0], filter.Shape[1], filter.Shape[2], filter.Shape[3]);
        var depthwise = n.Op.Contains("Depthwise", StringComparison.Ordinal);
        var src = filter.Floats!;
        float[] w;
        long[] dims;
        if (depthwise)
        {
            // TF depthwise filter [kh, kw, in, multiplier] → ONNX grouped conv [in*multiplier, 1, kh, kw].
            w = new float[src.Length];
            for (var i = 0; i < kh; i++)
            for (var j = 0; j < kw; j++)
            for (var c = 0; c < cin; c++)
            for (var m = 0; m < cout; m++)
                w[((c * cout + m) * kh + i) * kw + j] = src[((i * kw + j) * cin + c) * cout + m];
            dims = [cin * cout, 1, kh, kw];
        }
        else
        {
            // TF filter [kh, kw, in, out] → ONNX [out, in, kh, kw].
            w = new float[src.Length];
            for (var i = 0; i < kh; i++)
            for (var j = 0; j < kw; j++)
            for (var c = 0; c < cin; c++)
            for (var o = 0; o < cout; o++)
                w[((o * cin + c) * kh + i) * kw + j] = src[((i * kw + j) * cin + c) * cout + o];
            dims = [cout, cin, kh, kw];
        }
        var inputs = new List<string> { Tensor(n.Inputs[0]), _onnx.Floats(n.Inputs[1] + "_onnx", dims, w) };
        var fused = n.Strings("fused_ops");
        if (fused.Length > 0 && fused[0] != "BiasAdd")
            throw new ModelLoadException($"node '{n.Name}' fuses {string.Join("+", fused)}; only BiasAdd with an activation is imported");
        if (fused.Length > 0) inputs.Add(ConstInput(n.Inputs[2], flat: true));
        var strides = n.Ints("strides");
        var dilations = n.Ints("dilations");
        var attrs = new List<Wanwu.Models.Onnx.AttributeProto>
        {
            Attr("strides", [strides[1], strides[2]]),
            Attr("dilations", dilations.Length == 4 ? [dilations[1], dilations[2]] : [1L, 1]),
            Attr("kernel_shape", [(long)kh, kw]),
            Padding(n),
        };
        if (depthwise) attrs.Add(Attr("group", (long)cin));
        var y = _onnx.Node("Conv", n.Name, inputs, [.. attrs]);
        return fused.Length < 2 ? y : fused[1] switch
        {
            "Relu" => _onnx.Node("Relu", n.Name + "_relu", [y]),
            "Relu6" => Relu6(y, n.Name + "_relu6"),
            "Elu" => _onnx.Node("Elu", n.Name + "_elu", [y]),
            "Sigmoid" => _onnx.Node("Sigmoid", n.Name + "_sigmoid", [y]),
            var other => throw new ModelLoadException($"node '{n.Name}' fuses activation {other}, which wanwu does not import"),
        };
    }

    private Wanwu.Models.Onnx.AttributeProto Padding(TfNode n) => n.String("padding") switch
    {
        // TF's SAME puts the odd pixel at the end, which is ONNX's SAME_UPPER.
        "SAME" => Attr("auto_pad", "SAME_UPPER"),
        "VALID" => Attr("auto_pad", "VALID"),
        var p => throw new ModelLoadException($"node '{n.Name}' uses padding {p}, which wanwu does not import"),
    };

    private string Relu6(string x, string name) =>
        _onnx.Node("Clip", name, [x, _onnx.Floats(name + "_min", [], [0f]), _onnx.Floats(name + "_max", [], [6f])]);

    private string Binary(TfNode n)
    {
        var op = n.Op switch { "AddV2" => "Add", "RealDiv" => "Div", "Maximum" => "Max", "Minimum" => "Min", var o => o };
        var a = IsConst(n.Inputs[0]) ? ConstInput(n.Inputs[0]) : Tensor(n.Inputs[0]);
        var b = IsConst(n.Inputs[1]) ? ConstInput(n.Inputs[1]) : Tensor(n.Inputs[1]);
        return _onnx.Node(op, n.Name, [a, b]);
    }

    private bool IsConst(string input) => _tf.Nodes[Base(input)].Op == "Const";

    private TfWeight Weight(string input)
    {
        var name = Base(input);
        return _tf.Weights.TryGetValue(name, out var w) ? w : throw new ModelLoadException($"The TF.js weights lack constant '{name}'.");
    }

    /// <summary>A TF constant as an ONNX initializer that broadcasts against NCHW activations the way it did against NHWC.</summary>
    private string ConstInput(string input, bool flat = false)
    {
        var w = Weight(input);
        var key = input + (flat ? "#flat" : "");
        if (_converted.TryGetValue(key, out var done)) return done;
        var values = w.Floats ?? w.Ints!.Select(i => (float)i).ToArray();
        long[] dims = flat ? [w.Count] : w.Shape.Length switch
        {
            0 => [],
            1 when w.Count == 1 => [1],
            1 => [w.Count, 1, 1],
            4 => [w.Shape[0], w.Shape[3], w.Shape[1], w.Shape[2]],
            _ => throw new ModelLoadException($"constant '{w.Name}' of rank {w.Shape.Length} cannot be laid out for NCHW"),
        };
        if (w.Shape.Length == 4 && !flat) values = NhwcToNchw(values, w.Shape);
        return _converted[key] = _onnx.Floats(Base(input), dims, values);
    }

    private static float[] NhwcToNchw(float[] v, int[] s)
    {
        var r = new float[v.Length];
        for (var n = 0; n < s[0]; n++)
        for (var h = 0; h < s[1]; h++)
        for (var w = 0; w < s[2]; w++)
        for (var c = 0; c < s[3]; c++)
            r[((n * s[3] + c) * s[1] + h) * s[2] + w] = v[((n * s[1] + h) * s[2] + w) * s[3] + c];
        return r;
    }

    private static int NchwAxis(int nhwcAxis) => (((nhwcAxis % 4) + 4) % 4) switch { 0 => 0, 1 => 2, 2 => 3, _ => 1 };
}
