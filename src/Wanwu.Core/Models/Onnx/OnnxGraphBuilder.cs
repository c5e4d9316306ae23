using Google.Protobuf;

namespace Wanwu.Models.Onnx;

/// <summary>Builds an ONNX graph node by node: the small vocabulary importers need, nothing more.</summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>Default-domain opset the builder targets.</summary>
    public const int Opset = 18;

    private readonly GraphProto _graph = new() { Name = "wanwu" };
    private readonly HashSet<string> _names = [];
    private int _counter;

    /// <summary>A name not used yet in this graph, derived from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        var name = hint;
        while (_reserved.Contains(name) || !_names.Add(name)) name = $"{hint}_{++_counter}";
        return name;
    }

    /// <summary>Keeps <paramref name="name"/> out of <see cref="Fresh"/>'s reach, for an output whose name is fixed.</summary>
    public void Reserve(string name) => _reserved.Add(name);

    private readonly HashSet<string> _reserved = [];

    public void Input(string name, TensorProto.Types.DataType type, params long[] dims) =>
        _graph.Input.Add(ValueInfo(_reserved.Remove(name) && _names.Add(name) ? name : Fresh(name), type, dims));

    public void Output(string name, TensorProto.Types.DataType type, params long[] dims) =>
        _graph.Output.Add(ValueInfo(name, type, dims));

    public string Floats(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).CopyTo(bytes);
        return Initializer(name, TensorProto.Types.DataType.Float, dims, bytes);
    }

    public string Int64s(string name, params long[] values)
    {
        var bytes = new byte[values.Length * 8];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
        return Initializer(name, TensorProto.Types.DataType.Int64, [values.Length], bytes);
    }

    private string Initializer(string name, TensorProto.Types.DataType type, long[] dims, byte[] raw)
    {
        name = Fresh(name);
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        t.Dims.AddRange(dims);
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds a node and returns the name of its (first) output.</summary>
    public string Node(string op, string outputHint, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        Emit(op, Fresh(outputHint), inputs, attributes);

    /// <summary>Adds a node whose output has exactly the <see cref="Reserve"/>d name <paramref name="output"/>.</summary>
    public string NodeNamed(string op, string output, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        if (!_reserved.Remove(output) || !_names.Add(output)) throw new InvalidOperationException($"'{output}' was not reserved or is taken");
        return Emit(op, output, inputs, attributes);
    }

    private string Emit(string op, string output, IEnumerable<string> inputs, AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    public static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    public static AttributeProto Attr(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
    public static AttributeProto Attr(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Attr(string name, IEnumerable<long> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public ModelProto Build(IDictionary<string, string>? metadata = null)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "wanwu", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (k, v) in metadata ?? new Dictionary<string, string>())
            model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return model;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
