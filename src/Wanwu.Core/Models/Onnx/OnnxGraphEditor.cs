using Google.Protobuf;

namespace Wanwu.Models.Onnx;

/// <summary>
/// Adds nodes and initializers to an existing graph under names it does not use yet: what the graph rewrites
/// (<see cref="OnnxPrecision"/>, <see cref="OnnxHead"/>) share. <see cref="OnnxGraphBuilder"/> builds new graphs.
/// </summary>
internal sealed class OnnxGraphEditor
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public OnnxGraphEditor(ModelProto model)
    {
        Model = model;
        Graph = model.Graph ?? throw new ModelLoadException("the ONNX file has no graph");
        Opset = DefaultOpset(model);
        foreach (var v in Graph.Input.Concat(Graph.Output).Concat(Graph.ValueInfo)) _names.Add(v.Name);
        foreach (var t in Graph.Initializer) _names.Add(t.Name);
        foreach (var n in Graph.Node)
        {
            _names.UnionWith(n.Input);
            _names.UnionWith(n.Output);
            if (n.Name.Length > 0) _names.Add(n.Name);
        }
    }

    public ModelProto Model { get; }

    public GraphProto Graph { get; }

    /// <summary>Version of the default (ai.onnx) operator set the model imports.</summary>
    public long Opset { get; }

    /// <summary>A tensor or node name the graph does not use, derived from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        var name = hint;
        for (var i = 1; !_names.Add(name); i++) name = $"{hint}_{i}";
        return name;
    }

    /// <summary>Whether the graph already uses <paramref name="name"/> for a tensor or a node.</summary>
    public bool Uses(string name) => _names.Contains(name);

    /// <summary>A node (not yet placed in the graph) writing the given outputs; its own name is made fresh.</summary>
    public NodeProto NewNode(string op, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Name = Fresh(node.Output.FirstOrDefault() is { Length: > 0 } first ? first + "_node" : op);
        node.Attribute.AddRange(attributes);
        return node;
    }

    /// <summary>Appends a node with one fresh output named after <paramref name="outputHint"/>; returns that output.</summary>
    public string Add(string op, string outputHint, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = Fresh(outputHint);
        Graph.Node.Add(NewNode(op, inputs, [output], attributes));
        return output;
    }

    /// <summary>A one-dimensional int64 initializer.</summary>
    public string Int64s(string hint, params long[] values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
        return Initializer(hint, TensorProto.Types.DataType.Int64, [values.Length], bytes);
    }

    /// <summary>A float32 scalar initializer.</summary>
    public string Float(string hint, float value) =>
        Initializer(hint, TensorProto.Types.DataType.Float, [], BitConverter.GetBytes(value));

    private string Initializer(string hint, TensorProto.Types.DataType type, long[] dims, byte[] raw)
    {
        var t = new TensorProto { Name = Fresh(hint), DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        t.Dims.AddRange(dims);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>The default-domain opset of <paramref name="model"/>; a model that imports none is not one ONNX Runtime runs.</summary>
    public static long DefaultOpset(ModelProto model) =>
        model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version
        ?? throw new ModelLoadException("the ONNX model imports no default (ai.onnx) operator set");
}
