using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Models.Onnx;

/// <summary>
/// The element type of every tensor of a graph, from its inputs, initializers and value_info and the operators' type
/// rules (the ONNX specification's, for the operators image models use), with the nodes in topological order. A graph
/// rewrite needs it to tell float tensors from shape and index tensors without a shape-inference library.
/// </summary>
internal sealed class OnnxElementTypes
{
    private readonly Dictionary<string, int> _types;

    private OnnxElementTypes(Dictionary<string, int> types, List<NodeProto> sorted)
    {
        _types = types;
        Sorted = sorted;
    }

    /// <summary>The graph's nodes, each after the nodes that produce its inputs.</summary>
    public IReadOnlyList<NodeProto> Sorted { get; }

    /// <summary>The element type of <paramref name="tensor"/> (a <see cref="DataType"/> value), 0 where unknown or the name is empty.</summary>
    public int this[string tensor] => tensor.Length > 0 && _types.TryGetValue(tensor, out var t) ? t : 0;

    public bool IsFloat(string tensor) => this[tensor] == (int)DataType.Float;

    /// <summary>Infers the types, or says in <paramref name="problem"/> why it cannot (an operator with no known rule, a cycle, a missing input).</summary>
    public static OnnxElementTypes? TryInfer(GraphProto graph, out string problem)
    {
        problem = "";
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
            if (v.Type?.TensorType is { ElemType: > 0 } t) types[v.Name] = t.ElemType;
        foreach (var t in graph.Initializer) types[t.Name] = t.DataType;

        var sorted = TopologicalOrder(graph, out problem);
        if (sorted is null) return null;
        foreach (var node in sorted)
        {
            if (node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))
            {
                problem = $"{Describe(node)} holds a subgraph (control flow), which the rewrite does not enter";
                return null;
            }
            var outputs = OutputTypes(node, name => name.Length > 0 && types.TryGetValue(name, out var t) ? t : 0);
            for (var i = 0; i < node.Output.Count; i++)
            {
                var name = node.Output[i];
                if (name.Length == 0) continue;
                var inferred = outputs is not null && i < outputs.Length ? outputs[i] : 0;
                if (inferred > 0) types[name] = inferred;
                else if (!types.ContainsKey(name))
                {
                    problem = $"{Describe(node)}: the type of its output '{name}' is unknown (no type rule for this operator and no value_info)";
                    return null;
                }
            }
        }
        return new OnnxElementTypes(types, sorted);
    }

    public static string Describe(NodeProto node) =>
        $"{(node.Domain is "" or "ai.onnx" ? "" : node.Domain + ".")}{node.OpType} node '{(node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault())}'";

    /// <summary>Operators whose every output has the element type of their first input.</summary>
    private static readonly HashSet<string> SameAsFirstInput = new(StringComparer.Ordinal)
    {
        "Abs", "Acos", "Acosh", "Add", "Asin", "Asinh", "Atan", "Atanh", "AveragePool", "BatchNormalization", "Ceil", "Celu",
        "Clip", "Compress", "Concat", "Conv", "ConvTranspose", "Cos", "Cosh", "CumSum", "DepthToSpace", "Div", "Einsum", "Elu",
        "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather", "GatherElements", "GatherND", "Gelu", "Gemm", "GlobalAveragePool",
        "GlobalLpPool", "GlobalMaxPool", "GridSample", "GroupNormalization", "HardSigmoid", "HardSwish", "Hardmax", "Identity",
        "InstanceNormalization", "LRN", "LeakyRelu", "Log", "LogSoftmax", "LpNormalization", "LpPool", "MatMul", "Max",
        "MaxRoiPool", "Mean", "Min", "Mish", "Mod", "Mul", "Neg", "Pad", "Pow", "PRelu", "Reciprocal", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare",
        "Relu", "Reshape", "Resize", "ReverseSequence", "RoiAlign", "Round", "Scatter", "ScatterElements", "ScatterND", "Selu",
        "Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Slice", "Softmax", "Softplus", "Softsign", "SpaceToDepth", "Split", "Sqrt",
        "Squeeze", "Sub", "Sum", "Tan", "Tanh", "ThresholdedRelu", "Tile", "Transpose", "Trilu", "Unsqueeze", "Upsample",
        "Range", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot", "Det", "Col2Im", "CenterCropPad",
        "AffineGrid",
    };

    private static readonly HashSet<string> BoolResult = new(StringComparer.Ordinal)
    {
        "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf",
    };

    /// <summary>Output element types of <paramref name="node"/> by the operator's type rule; null where there is no rule.</summary>
    private static int[]? OutputTypes(NodeProto node, Func<string, int> typeOf)
    {
        if (node.Domain is not ("" or "ai.onnx")) return null;
        int In(int i) => i < node.Input.Count ? typeOf(node.Input[i]) : 0;
        int[] All(int t) => Enumerable.Repeat(t, node.Output.Count).ToArray();
        const int i64 = (int)DataType.Int64;
        switch (node.OpType)
        {
            case "Cast": return [(int)IntAttr(node, "to", 0)];
            case "CastLike": return [In(1)];
            case "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" or "NonMaxSuppression": return All(i64);
            case "TopK": return [In(0), i64];
            case "MaxPool": return [In(0), i64];
            case "Dropout": return [In(0), (int)DataType.Bool];
            case "Unique": return [In(0), i64, i64, i64];
            case "Where": return All(In(1));
            case "OneHot": return All(In(2));
            case "ConstantOfShape":
                return [node.Attribute.FirstOrDefault(a => a.Name == "value")?.T?.DataType ?? (int)DataType.Float];
            case "Constant":
                {
                    var a = node.Attribute.FirstOrDefault();
                    return a?.Name switch
                    {
                        "value" => [a.T.DataType],
                        "value_float" or "value_floats" => [(int)DataType.Float],
                        "value_int" or "value_ints" => [i64],
                        "value_string" or "value_strings" => [(int)DataType.String],
                        _ => null,
                    };
                }
            case "EyeLike" or "RandomNormalLike" or "RandomUniformLike":
                return [(int)IntAttr(node, "dtype", In(0))];
            case "RandomNormal" or "RandomUniform":
                return [(int)IntAttr(node, "dtype", (int)DataType.Float)];
            case "LayerNormalization":
                // Mean and InvStdDev are of the stash type (float unless told otherwise).
                return [In(0), (int)IntAttr(node, "stash_type", (int)DataType.Float), (int)IntAttr(node, "stash_type", (int)DataType.Float)];
            case "QuantizeLinear":
                return [node.Input.Count > 2 && In(2) > 0 ? In(2) : (int)DataType.Uint8];
            case "DequantizeLinear": return [In(1)];
        }
        if (BoolResult.Contains(node.OpType)) return All((int)DataType.Bool);
        return SameAsFirstInput.Contains(node.OpType) ? All(In(0)) : null;
    }

    public static long IntAttr(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    /// <summary>Kahn's order; ONNX asks for sorted nodes but not every exporter keeps to it.</summary>
    private static List<NodeProto>? TopologicalOrder(GraphProto graph, out string problem)
    {
        problem = "";
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
            foreach (var o in graph.Node[i].Output)
                if (o.Length > 0) producer[o] = i;
        var waiting = new int[graph.Node.Count];
        var dependants = new List<int>[graph.Node.Count];
        for (var i = 0; i < graph.Node.Count; i++)
        {
            dependants[i] = [];
            foreach (var input in graph.Node[i].Input.Distinct())
                if (input.Length > 0 && producer.TryGetValue(input, out var p) && p != i) waiting[i]++;
        }
        for (var i = 0; i < graph.Node.Count; i++)
            foreach (var input in graph.Node[i].Input.Distinct())
                if (input.Length > 0 && producer.TryGetValue(input, out var p) && p != i) dependants[p].Add(i);
        // Smallest index first, so a graph already in order keeps its order.
        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < waiting.Length; i++) if (waiting[i] == 0) ready.Enqueue(i, i);
        var sorted = new List<NodeProto>(graph.Node.Count);
        while (ready.TryDequeue(out var i, out _))
        {
            sorted.Add(graph.Node[i]);
            foreach (var d in dependants[i])
                if (--waiting[d] == 0) ready.Enqueue(d, d);
        }
        if (sorted.Count == graph.Node.Count) return sorted;
        problem = "the graph has a cycle";
        return null;
    }
}
