using System.Runtime.InteropServices;
using Google.Protobuf;
using Wanwu.Backends;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Models.Onnx;

/// <summary>
/// Rewrites a model to take what the GPU decoder produces, uint8 RGB [N, H, W, 3], and to do inside the graph what
/// <see cref="InputEncoder"/> does on the CPU: cast, scale and shift per channel ((x / pixel_scale - mean) / std, folded
/// into one multiply and one add as there), NHWC to NCHW when the model is NCHW, float16 when the model takes float16.
/// The input keeps its name; everything else in the model is untouched.
/// </summary>
internal static class OnnxInputAdapter
{
    /// <summary>Metadata key marking an adapted model (the value says what it takes).</summary>
    public const string MetadataKey = "wanwu.input";
    public const string MetadataValue = "uint8 NHWC RGB";

    /// <summary>The spec of the adapted model: raw bytes in, nothing for the CPU encoder to do but copy.</summary>
    public static ModelSpec AdaptedSpec(ModelSpec spec) => spec with
    {
        Dtype = InputDtype.Uint8, Layout = InputLayout.Nhwc, PixelScale = 1, Mean = [0, 0, 0], Std = [1, 1, 1],
    };

    /// <summary>Reads <paramref name="source"/>, adapts it for <paramref name="spec"/> and writes <paramref name="destination"/>.</summary>
    public static void AdaptFile(string source, string destination, ModelSpec spec)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(source));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelLoadException($"'{source}' is not an ONNX model: {e.Message}", e);
        }
        File.WriteAllBytes(destination, Adapt(model, spec).ToByteArray());
    }

    /// <summary>A copy of <paramref name="model"/> whose input <see cref="ModelSpec.InputName"/> takes uint8 [N, H, W, 3].</summary>
    public static ModelProto Adapt(ModelProto model, ModelSpec spec)
    {
        var adapted = model.Clone();
        var graph = adapted.Graph ?? throw new ModelLoadException("the model has no graph");
        var opset = adapted.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        // Cast's 'to' became an integer in opset 6, and Mul/Add broadcast from opset 7.
        if (opset < 7) throw new ModelLoadException($"the model's opset {opset} is older than 7; its input cannot be adapted");
        var input = graph.Input.FirstOrDefault(i => i.Name == spec.InputName)
                    ?? throw new ModelLoadException($"the model has no input '{spec.InputName}'");
        var declared = (DataType)(input.Type?.TensorType?.ElemType ?? 0);
        var expected = spec.Dtype switch { InputDtype.Uint8 => DataType.Uint8, InputDtype.Float16 => DataType.Float16, _ => DataType.Float };
        if (declared != expected) throw new ModelLoadException($"input '{spec.InputName}' is {declared}, but the model's description says {spec.Dtype}");
        if (adapted.MetadataProps.Any(p => p.Key == MetadataKey)) throw new ModelLoadException("the model's input is already adapted");

        var dims = input.Type!.TensorType.Shape?.Dim;
        var batch = dims is { Count: > 0 } ? dims[0].Clone() : new TensorShapeProto.Types.Dimension { DimParam = "N" };
        var names = new Names(graph);
        var nodes = new List<NodeProto>();
        string Node(string op, IEnumerable<string> inputs, params AttributeProto[] attributes)
        {
            var output = names.Fresh($"{spec.InputName}_{op.ToLowerInvariant()}");
            var node = new NodeProto { OpType = op, Name = output };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            nodes.Add(node);
            return output;
        }

        var x = spec.InputName;
        // Transposed while still bytes: a quarter of the memory traffic of transposing floats.
        if (spec.Layout == InputLayout.Nchw) x = Node("Transpose", [x], OnnxGraphBuilder.Attr("perm", [0L, 3, 1, 2]));
        if (spec.Dtype != InputDtype.Uint8)
        {
            var encoder = new InputEncoder(spec);
            long[] shape = spec.Layout == InputLayout.Nchw ? [1, 3, 1, 1] : [3];
            var scale = names.Fresh($"{spec.InputName}_scale");
            var bias = names.Fresh($"{spec.InputName}_bias");
            graph.Initializer.Add(Floats(scale, shape, encoder.Scale));
            graph.Initializer.Add(Floats(bias, shape, encoder.Bias));
            x = Node("Cast", [x], OnnxGraphBuilder.Attr("to", (long)DataType.Float));
            x = Node("Mul", [x, scale]);
            x = Node("Add", [x, bias]);
            if (spec.Dtype == InputDtype.Float16) x = Node("Cast", [x], OnnxGraphBuilder.Attr("to", (long)DataType.Float16));
        }
        if (x == spec.InputName) return Mark(adapted);

        // Every reader of the old input, in subgraphs too, now reads the encoded tensor.
        Rename(graph, spec.InputName, x);
        var rest = graph.Node.ToList();
        graph.Node.Clear();
        graph.Node.Add(nodes);
        graph.Node.Add(rest);
        var shapeProto = new TensorShapeProto();
        shapeProto.Dim.Add(batch);
        foreach (var d in new long[] { spec.Height, spec.Width, 3 }) shapeProto.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        input.Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Uint8, Shape = shapeProto } };
        return Mark(adapted);
    }

    private static ModelProto Mark(ModelProto model)
    {
        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = MetadataValue });
        return model;
    }

    private static TensorProto Floats(string name, long[] dims, IReadOnlyList<float> values)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.ToArray().AsSpan())) };
        t.Dims.AddRange(dims);
        return t;
    }

    private static void Rename(GraphProto graph, string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == from) node.Input[i] = to;
            foreach (var a in node.Attribute)
            {
                // A subgraph (If, Loop, Scan) may read the outer input by name, unless it declares its own of that name.
                if (a.G is { } g && g.Input.All(i => i.Name != from)) Rename(g, from, to);
                foreach (var sub in a.Graphs.Where(s => s.Input.All(i => i.Name != from))) Rename(sub, from, to);
            }
        }
    }

    /// <summary>Names not used anywhere in the graph (nodes, values, initializers, subgraphs).</summary>
    private sealed class Names
    {
        private readonly HashSet<string> _taken = [];

        public Names(GraphProto graph) => Collect(graph);

        private void Collect(GraphProto graph)
        {
            _taken.UnionWith(graph.Input.Select(i => i.Name).Concat(graph.Output.Select(o => o.Name)).Concat(graph.ValueInfo.Select(v => v.Name))
                .Concat(graph.Initializer.Select(t => t.Name)));
            foreach (var node in graph.Node)
            {
                _taken.UnionWith(node.Input.Concat(node.Output));
                _taken.Add(node.Name);
                foreach (var a in node.Attribute)
                {
                    if (a.G is { } g) Collect(g);
                    foreach (var sub in a.Graphs) Collect(sub);
                }
            }
        }

        public string Fresh(string hint)
        {
            var name = hint;
            for (var k = 1; !_taken.Add(name); k++) name = $"{hint}_{k}";
            return name;
        }
    }
}
