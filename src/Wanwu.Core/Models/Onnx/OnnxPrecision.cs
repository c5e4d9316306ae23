using Google.Protobuf;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Models.Onnx;

/// <summary>The narrow float type a model is converted to.</summary>
internal enum NarrowFloat
{
    Float16,
    BFloat16,
}

/// <summary>What <see cref="OnnxPrecision.Convert"/> keeps in float32 and what it narrows to.</summary>
internal sealed record PrecisionOptions
{
    public NarrowFloat Target { get; init; } = NarrowFloat.Float16;

    /// <summary>Operator types that stay float32; null means <see cref="OnnxPrecision.DefaultOpBlockList"/>.</summary>
    public IReadOnlySet<string>? OpBlockList { get; init; }

    /// <summary>Names of further nodes that stay float32.</summary>
    public IReadOnlySet<string> NodeBlockList { get; init; } = new HashSet<string>();

    /// <summary>
    /// A classifier head (the last MatMul/Gemm/Conv before a graph output, and what follows it) with more classes than
    /// this stays float32: over tens of thousands of classes, float16 logits (about 3 significant digits) reorder close
    /// scores. <see cref="int.MaxValue"/> narrows every head.
    /// </summary>
    public int HeadClassThreshold { get; init; } = 10_000;
}

/// <summary>Whether a model computes in float32, so that converting it to float16 makes sense; the reason either way.</summary>
internal sealed record PrecisionVerdict(bool Convertible, string Reason);

/// <summary>
/// The outcome of <see cref="OnnxPrecision.Convert"/>: the converted model, or the original with the reason it was
/// left as it is (<see cref="Converted"/> false).
/// </summary>
internal sealed record PrecisionConversion(ModelProto Model, bool Converted, string Reason)
{
    /// <summary>Float nodes that stay float32 ("OpType name").</summary>
    public IReadOnlyList<string> Float32Nodes { get; init; } = [];

    /// <summary>Nodes that now compute in the narrow type.</summary>
    public int NarrowNodes { get; init; }

    /// <summary>Cast nodes added at the borders between the two precisions.</summary>
    public int CastsAdded { get; init; }

    /// <summary>Float32 initializers now stored in the narrow type.</summary>
    public int InitializersNarrowed { get; init; }
}

/// <summary>
/// Converts a float32 ONNX model to float16 (or bfloat16) as a graph rewrite, after onnxconverter-common's
/// <c>convert_float_to_float16(keep_io_types=True)</c>: float32 initializers and the computation become float16, graph
/// inputs and outputs stay float32 (a Cast after each input and before each output), and numerically sensitive
/// operators (<see cref="DefaultOpBlockList"/>, a large classifier head) stay float32 with Casts at their borders.
/// Integer and shape computations are untouched. Quantised and already-narrow models are returned as they are.
/// </summary>
internal static class OnnxPrecision
{
    /// <summary>ONNX's data type number for bfloat16 (not in wanwu's proto subset's enum).</summary>
    public const int BFloat16 = 16;

    /// <summary>Metadata key the converted model carries, with the narrow type's name.</summary>
    public const string MetadataKey = "wanwu.precision";

    /// <summary>
    /// onnxconverter-common's DEFAULT_OP_BLOCK_LIST (operators without float16 kernels or needing float32 indices and
    /// coordinates: TopK, NonMaxSuppression, RoiAlign, Resize, Upsample, Range, CumSum, Min, Max and the ai.onnx.ml
    /// operators), plus what loses accuracy in float16: Softmax and LogSoftmax, the summing reductions and Pow (whose
    /// squares overflow); and the operators whose float type comes from a dtype attribute.
    /// </summary>
    public static readonly IReadOnlySet<string> DefaultOpBlockList = new HashSet<string>(StringComparer.Ordinal)
    {
        "ArrayFeatureExtractor", "Binarizer", "CastMap", "CategoryMapper", "DictVectorizer", "FeatureVectorizer", "Imputer",
        "LabelEncoder", "LinearClassifier", "LinearRegressor", "Normalizer", "OneHotEncoder", "RandomUniformLike",
        "SVMClassifier", "SVMRegressor", "Scaler", "TreeEnsembleClassifier", "TreeEnsembleRegressor", "ZipMap",
        "NonMaxSuppression", "TopK", "RoiAlign", "Resize", "Range", "CumSum", "Min", "Max", "Upsample",
        "Softmax", "LogSoftmax", "ReduceMean", "ReduceSum", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum",
        "ReduceLogSumExp", "ReduceProd", "Pow",
        "RandomNormal", "RandomUniform", "RandomNormalLike", "EyeLike", "Multinomial", "Bernoulli",
    };

    /// <summary>Inputs whose type the operator fixes or leaves free, whatever precision it computes in: they get no Cast.</summary>
    private static bool FreeInput(NodeProto node, int index) => (node.OpType, index) switch
    {
        ("Cast" or "Shape" or "Size", 0) => true,
        ("CastLike", 0) => true,
        ("Dropout", 1) => true,  // ratio: any float type
        ("Resize", 1) => true,   // roi: any float type
        _ => false,
    };

    /// <summary>Inputs that are float32 whatever precision the operator computes in.</summary>
    private static bool Float32Input(NodeProto node, int index) => (node.OpType, index) switch
    {
        ("Resize", 2) or ("Upsample", 1) => true,  // scales
        _ => false,
    };

    /// <summary>Operators whose precision follows their consumers: they compute nothing, so they take the type that needs no Cast.</summary>
    private static readonly HashSet<string> ConsumerTyped = new(StringComparer.Ordinal) { "Cast", "Constant", "ConstantOfShape" };

    private static readonly HashSet<string> QuantisedOps = new(StringComparer.Ordinal)
    {
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "ConvInteger", "MatMulInteger",
    };

    /// <summary>Whether <paramref name="model"/> computes in float32 and can be converted, and why (not).</summary>
    public static PrecisionVerdict Inspect(ModelProto model, NarrowFloat target = NarrowFloat.Float16) =>
        Analyse(model, target).Verdict;

    /// <summary>Reads an ONNX file and says whether it can be converted.</summary>
    public static PrecisionVerdict Inspect(string path, NarrowFloat target = NarrowFloat.Float16) =>
        Inspect(Load(path), target);

    public static ModelProto Load(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            return ModelProto.Parser.ParseFrom(file);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelLoadException($"'{path}' is not a readable ONNX model: {e.Message}");
        }
    }

    /// <summary>Converts the file <paramref name="input"/> and writes the result (or a copy of the original, where it is not converted) to <paramref name="output"/>.</summary>
    public static PrecisionConversion ConvertFile(string input, string output, PrecisionOptions? options = null)
    {
        var result = Convert(Load(input), options);
        var temp = output + ".tmp";
        using (var file = File.Create(temp)) result.Model.WriteTo(file);
        File.Move(temp, output, overwrite: true);
        return result;
    }

    /// <summary>The converted copy of <paramref name="model"/>, or <paramref name="model"/> itself with the reason it stays as it is.</summary>
    public static PrecisionConversion Convert(ModelProto model, PrecisionOptions? options = null)
    {
        options ??= new PrecisionOptions();
        // A deep copy; tensor bytes are immutable and shared, so this costs little even for a large model.
        var copy = model.Clone();
        var (verdict, types) = Analyse(copy, options.Target);
        if (!verdict.Convertible) return new PrecisionConversion(model, false, verdict.Reason);
        return new Rewrite(copy, types!, options).Run();
    }

    private static (PrecisionVerdict Verdict, OnnxElementTypes? Types) Analyse(ModelProto model, NarrowFloat target)
    {
        PrecisionVerdict No(string reason) => new(false, reason);
        var graph = model.Graph;
        if (graph is null) return (No("the model has no graph"), null);

        var quantised = graph.Node.Where(IsQuantised).ToList();
        if (quantised.Count > 0)
            return (No($"a quantised model ({quantised.Count} {string.Join("/", quantised.Select(n => n.OpType).Distinct().Take(4))} nodes): it already computes in 8-bit integers"), null);

        var narrow = graph.Initializer.Where(t => FloatNarrowing.IsNarrow(t.DataType)).Select(t => $"initializer '{t.Name}'")
            .Concat(graph.Input.Concat(graph.Output).Where(v => FloatNarrowing.IsNarrow(v.Type?.TensorType?.ElemType ?? 0)).Select(v => $"'{v.Name}'"))
            .Concat(graph.Node.Where(n => n.OpType == "Cast" && FloatNarrowing.IsNarrow((int)OnnxElementTypes.IntAttr(n, "to", 0))).Select(n => OnnxElementTypes.Describe(n)))
            .ToList();
        if (narrow.Count > 0)
            return (No($"already float16/bfloat16: {string.Join(", ", narrow.Take(3))}{(narrow.Count > 3 ? $" and {narrow.Count - 3} more" : "")}"), null);

        long opset;
        try { opset = OnnxGraphEditor.DefaultOpset(model); }
        catch (ModelLoadException e) { return (No(e.Message), null); }
        // Conv, pooling and most image operators accept bfloat16 only from opset 22 on.
        var minimum = target == NarrowFloat.BFloat16 ? 22 : 6;
        if (opset < minimum)
            return (No($"opset {opset}: {(target == NarrowFloat.BFloat16 ? "bfloat16 convolutions and pooling" : "float16 operators")} need opset {minimum} or later"), null);

        foreach (var t in graph.Initializer.Where(t => t.DataType == (int)DataType.Float))
        {
            var count = t.Dims.Aggregate(1L, (a, d) => a * d);
            if (t.RawData.Length != count * sizeof(float) && t.FloatData.Count != count)
                return (No($"initializer '{t.Name}' keeps its data outside the model file (external data), which the rewrite does not read"), null);
        }

        var types = OnnxElementTypes.TryInfer(graph, out var problem);
        if (types is null) return (No(problem), null);
        var computing = graph.Node.Count(n => !ConsumerTyped.Contains(n.OpType) && (n.Input.Any(types.IsFloat) || n.Output.Any(types.IsFloat)));
        if (computing == 0) return (No("nothing in the model computes in float32"), null);
        return (new PrecisionVerdict(true, $"{computing} of {graph.Node.Count} nodes compute in float32 (opset {opset})"), types);
    }

    private static bool IsQuantised(NodeProto n) =>
        QuantisedOps.Contains(n.OpType) || n.OpType.StartsWith("QLinear", StringComparison.Ordinal) || n.OpType.StartsWith("QOrdered", StringComparison.Ordinal)
        || (n.Domain == "com.microsoft" && n.OpType is "QGemm" or "QAttention" or "DynamicQuantizeMatMul" or "MatMulIntegerToFloat" or "DynamicQuantizeLSTM");

    /// <summary>One conversion: decides each node's precision, then rewires the graph with Casts where precisions meet.</summary>
    private sealed class Rewrite
    {
        private enum P { None, Narrow, Wide, Any }

        private readonly ModelProto _model;
        private readonly GraphProto _g;
        private readonly OnnxElementTypes _types;
        private readonly PrecisionOptions _options;
        private readonly OnnxGraphEditor _editor;
        private readonly int _target;
        private readonly Dictionary<NodeProto, P> _precision = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, NodeProto> _producer = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<(NodeProto Node, int Index)>> _consumers = new(StringComparer.Ordinal);
        private readonly HashSet<string> _graphInputs;
        private readonly HashSet<string> _graphOutputs;
        private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);

        // Each float tensor's precision where it is made, the name it is made under, and its Cast copies in the other precision.
        private readonly Dictionary<string, P> _home = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _homeName = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, P), string> _variants = [];
        private readonly Dictionary<string, P> _finalPrecision = new(StringComparer.Ordinal);
        private readonly List<NodeProto> _prologue = [];
        private readonly Dictionary<NodeProto, List<NodeProto>> _after = new(ReferenceEqualityComparer.Instance);

        public Rewrite(ModelProto model, OnnxElementTypes types, PrecisionOptions options)
        {
            _model = model;
            _g = model.Graph;
            _types = types;
            _options = options;
            _editor = new OnnxGraphEditor(model);
            _target = options.Target == NarrowFloat.BFloat16 ? BFloat16 : (int)DataType.Float16;
            _graphInputs = _g.Input.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
            _graphOutputs = _g.Output.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var t in _g.Initializer) _initializers[t.Name] = t;
            foreach (var n in _g.Node)
            {
                foreach (var o in n.Output.Where(o => o.Length > 0)) _producer[o] = n;
                for (var i = 0; i < n.Input.Count; i++)
                {
                    if (n.Input[i].Length == 0) continue;
                    if (!_consumers.TryGetValue(n.Input[i], out var list)) _consumers[n.Input[i]] = list = [];
                    list.Add((n, i));
                }
            }
        }

        public PrecisionConversion Run()
        {
            DecidePrecisions();
            var narrowed = PlaceFloatTensors();
            RewireNodes();
            RebuildNodeList();
            UpdateValueInfo();
            var key = _model.MetadataProps.FirstOrDefault(p => p.Key == MetadataKey);
            if (key is null) _model.MetadataProps.Add(key = new StringStringEntryProto { Key = MetadataKey });
            key.Value = _options.Target == NarrowFloat.BFloat16 ? "bfloat16" : "float16";
            var typeName = key.Value;

            var wide = _types.Sorted.Where(n => _precision[n] == P.Wide && !ConsumerTyped.Contains(n.OpType))
                .Select(n => $"{n.OpType} {(n.Name.Length > 0 ? n.Name : n.Output.FirstOrDefault())}").ToList();
            var narrowNodes = _types.Sorted.Count(n => _precision[n] == P.Narrow && !ConsumerTyped.Contains(n.OpType));
            var casts = _prologue.Count + _after.Values.Sum(l => l.Count);
            return new PrecisionConversion(_model, true,
                $"{narrowNodes} nodes compute in {typeName}, {wide.Count} stay float32, {casts} casts added, {narrowed} initializers narrowed")
            {
                Float32Nodes = wide, NarrowNodes = narrowNodes, CastsAdded = casts, InitializersNarrowed = narrowed,
            };
        }

        private bool IsFloatNode(NodeProto n) => n.Input.Any(_types.IsFloat) || n.Output.Any(_types.IsFloat);

        private void DecidePrecisions()
        {
            var block = _options.OpBlockList ?? DefaultOpBlockList;
            var head = ClassifierHead();
            foreach (var n in _types.Sorted)
            {
                if (!IsFloatNode(n)) _precision[n] = P.None;
                else if (block.Contains(n.OpType) || _options.NodeBlockList.Contains(n.Name) || head.Contains(n) || NeedsFloat32(n)) _precision[n] = P.Wide;
                else _precision[n] = P.Narrow;
            }
            // Casts and constants go last to first, so that their consumers' precisions are known: they take the wide
            // type if any consumer needs it (a uint8→float Cast keeps 0..255 exact either way, but an int→float Cast
            // of a large count does not), otherwise the narrow one.
            for (var i = _types.Sorted.Count - 1; i >= 0; i--)
            {
                var n = _types.Sorted[i];
                if (!ConsumerTyped.Contains(n.OpType) || _precision[n] == P.None || !n.Output.Any(_types.IsFloat)) continue;
                var needs = n.Output.Where(_types.IsFloat).SelectMany(Requirements).ToList();
                _precision[n] = needs.Contains(P.Narrow) && !needs.Contains(P.Wide) ? P.Narrow : P.Wide;
            }
        }

        /// <summary>Nodes an ONNX kernel cannot run in the narrow type as they are written.</summary>
        private static bool NeedsFloat32(NodeProto n) =>
            n.Domain is not ("" or "ai.onnx")
            || (n.OpType == "LayerNormalization" && n.Output.Skip(1).Any(o => o.Length > 0));

        /// <summary>The precision each use of float tensor <paramref name="t"/> asks for; a graph output asks for float32.</summary>
        private IEnumerable<P> Requirements(string t)
        {
            if (_graphOutputs.Contains(t)) yield return P.Wide;
            if (_consumers.TryGetValue(t, out var uses))
                foreach (var (node, index) in uses) yield return Requirement(node, index);
        }

        private P Requirement(NodeProto node, int index)
        {
            if (FreeInput(node, index)) return P.Any;
            if (Float32Input(node, index)) return P.Wide;
            return _precision[node];
        }

        /// <summary>
        /// The last MatMul/Gemm/Conv before each float graph output, through bias adds, reshapes and activations, with
        /// those nodes, where it has more classes than the threshold; and a head <see cref="OnnxHead"/> appended.
        /// </summary>
        private HashSet<NodeProto> ClassifierHead()
        {
            var head = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
            foreach (var output in _g.Output.Where(o => _types.IsFloat(o.Name)))
                head.UnionWith(HeadPath(output.Name, output));
            // Appended before the conversion: all that is computed from the raw scores (Softmax, auto's test, TopK, the
            // gather) stays float32 too, or TopK would rank float16-rounded scores and the scores would have 3 digits.
            var appended = _types.Sorted.FirstOrDefault(n => n.OpType == "TopK" && n.Output.Contains(OnnxHead.IndicesOutput) && _graphOutputs.Contains(OnnxHead.IndicesOutput));
            if (appended is not null)
            {
                head.UnionWith(Downstream(appended.Input[0]));
                head.UnionWith(HeadPath(appended.Input[0], null));
            }
            return head;
        }

        private List<NodeProto> HeadPath(string scores, ValueInfoProto? output)
        {
            string[] through = ["Add", "Sub", "Mul", "Div", "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Softmax", "LogSoftmax", "Sigmoid", "Cast"];
            var path = new List<NodeProto>();
            var t = scores;
            for (var depth = 0; depth < 12 && _producer.TryGetValue(t, out var n); depth++)
            {
                path.Add(n);
                if (n.OpType is "MatMul" or "Gemm" or "Conv") return ClassCount(n, output) > _options.HeadClassThreshold ? path : [];
                if (!through.Contains(n.OpType)) break;
                // Follow the computed input; the others are the bias, the shape, the scale.
                var computed = n.Input.Where(i => i.Length > 0 && !_initializers.ContainsKey(i) && !(_producer.TryGetValue(i, out var p) && p.OpType == "Constant")).ToList();
                if (computed.Count != 1) break;
                t = computed[0];
            }
            return [];
        }

        /// <summary>Every node that reads <paramref name="t"/>, directly or through others.</summary>
        private HashSet<NodeProto> Downstream(string t)
        {
            var found = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
            var queue = new Queue<string>([t]);
            while (queue.TryDequeue(out var name))
                foreach (var (node, _) in _consumers.GetValueOrDefault(name) ?? [])
                    if (found.Add(node))
                        foreach (var o in node.Output) queue.Enqueue(o);
            return found;
        }

        /// <summary>Classes of a head node, from its weight's shape, else from the graph output's last dimension.</summary>
        private long ClassCount(NodeProto n, ValueInfoProto? output)
        {
            if (n.Input.Count > 1 && _initializers.TryGetValue(n.Input[1], out var w) && w.Dims.Count >= 2)
            {
                return n.OpType switch
                {
                    "Gemm" => OnnxElementTypes.IntAttr(n, "transB", 0) != 0 ? w.Dims[0] : w.Dims[1],
                    "MatMul" => w.Dims[^1],
                    _ => w.Dims[0],
                };
            }
            var dims = output?.Type?.TensorType?.Shape?.Dim;
            return dims is { Count: > 0 } && dims[^1].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? dims[^1].DimValue : 0;
        }

        /// <summary>Where each float tensor is made and in which precision; narrows the initializers only narrow nodes read.</summary>
        private int PlaceFloatTensors()
        {
            var narrowed = 0;
            foreach (var name in _graphInputs.Where(_types.IsFloat)) _home[name] = P.Wide;
            for (var i = 0; i < _g.Initializer.Count; i++)
            {
                var t = _g.Initializer[i];
                if (t.DataType != (int)DataType.Float || _graphInputs.Contains(t.Name)) continue;
                var needs = Requirements(t.Name).ToList();
                // Read by float32 nodes too: stays float32, and the narrow readers get a Cast (which ONNX Runtime folds at load).
                if (needs.Contains(P.Narrow) && !needs.Contains(P.Wide))
                {
                    _g.Initializer[i] = FloatNarrowing.Narrow(t, _target);
                    _home[t.Name] = P.Narrow;
                    narrowed++;
                }
                else _home[t.Name] = P.Wide;
            }
            foreach (var n in _types.Sorted)
                foreach (var o in n.Output.Where(_types.IsFloat))
                    _home[o] = _precision[n] == P.Narrow ? P.Narrow : P.Wide;
            foreach (var (t, p) in _home)
            {
                // A graph output made narrow is made under another name; the float32 Cast before the output takes its name.
                _homeName[t] = p == P.Narrow && _graphOutputs.Contains(t) ? _editor.Fresh(t + Suffix(p)) : t;
                _finalPrecision[_homeName[t]] = p;
            }
            return narrowed;
        }

        private string Suffix(P p) => p == P.Wide ? "_fp32" : _target == BFloat16 ? "_bf16" : "_fp16";

        private void RewireNodes()
        {
            foreach (var n in _types.Sorted)
            {
                for (var i = 0; i < n.Input.Count; i++)
                {
                    var t = n.Input[i];
                    if (!_types.IsFloat(t) || !_home.ContainsKey(t)) continue;
                    var need = Requirement(n, i);
                    n.Input[i] = need is P.Narrow or P.Wide ? Variant(t, need) : _homeName[t];
                }
                for (var i = 0; i < n.Output.Count; i++)
                    if (_homeName.TryGetValue(n.Output[i], out var renamed)) n.Output[i] = renamed;
                if (_precision[n] == P.Narrow) NarrowAttributes(n);
            }
            foreach (var o in _g.Output.Where(o => _types.IsFloat(o.Name) && _home.ContainsKey(o.Name)))
                if (Variant(o.Name, P.Wide) != o.Name) throw new InvalidOperationException($"graph output '{o.Name}' lost its name");
        }

        /// <summary>The name of <paramref name="t"/> in precision <paramref name="p"/>, adding the Cast that makes it on first use.</summary>
        private string Variant(string t, P p)
        {
            if (_home[t] == p) return _homeName[t];
            if (_variants.TryGetValue((t, p), out var name)) return name;
            name = p == P.Wide && _graphOutputs.Contains(t) ? t : _editor.Fresh(t + Suffix(p));
            var cast = _editor.NewNode("Cast", [_homeName[t]], [name], OnnxGraphBuilder.Attr("to", (long)(p == P.Wide ? (int)DataType.Float : _target)));
            if (_producer.TryGetValue(t, out var producer))
            {
                if (!_after.TryGetValue(producer, out var list)) _after[producer] = list = [];
                list.Add(cast);
            }
            else _prologue.Add(cast);
            _variants[(t, p)] = name;
            _finalPrecision[name] = p;
            return name;
        }

        private void NarrowAttributes(NodeProto n)
        {
            switch (n.OpType)
            {
                case "Cast":
                    foreach (var a in n.Attribute.Where(a => a.Name == "to" && a.I == (int)DataType.Float)) a.I = _target;
                    break;
                case "Constant":
                    foreach (var a in n.Attribute.ToList())
                    {
                        if (a.Name == "value" && a.T?.DataType == (int)DataType.Float) a.T = FloatNarrowing.Narrow(a.T, _target);
                        else if (a.Name is "value_float" or "value_floats")
                        {
                            var values = a.Name == "value_float" ? [a.F] : a.Floats.ToArray();
                            var t = new TensorProto { DataType = (int)DataType.Float };
                            if (a.Name == "value_floats") t.Dims.Add(values.Length);
                            t.FloatData.AddRange(values);
                            n.Attribute.Remove(a);
                            n.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = FloatNarrowing.Narrow(t, _target) });
                        }
                    }
                    break;
                case "ConstantOfShape":
                    var value = n.Attribute.FirstOrDefault(a => a.Name == "value");
                    if (value is null)
                    {
                        // The default value is a float32 zero.
                        var zero = new TensorProto { DataType = (int)DataType.Float };
                        zero.Dims.Add(1);
                        zero.FloatData.Add(0f);
                        n.Attribute.Add(value = new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = zero });
                    }
                    if (value.T.DataType == (int)DataType.Float) value.T = FloatNarrowing.Narrow(value.T, _target);
                    break;
            }
        }

        /// <summary>The nodes in topological order, each Cast right after the node whose output it converts.</summary>
        private void RebuildNodeList()
        {
            var nodes = new List<NodeProto>(_prologue);
            foreach (var n in _types.Sorted)
            {
                nodes.Add(n);
                if (_after.TryGetValue(n, out var casts)) nodes.AddRange(casts);
            }
            _g.Node.Clear();
            _g.Node.AddRange(nodes);
        }

        /// <summary>value_info keeps its shapes, with each float tensor's new element type; entries for names gone are dropped.</summary>
        private void UpdateValueInfo()
        {
            var used = _g.Node.SelectMany(n => n.Input.Concat(n.Output)).Concat(_g.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
            var keep = new List<ValueInfoProto>();
            foreach (var v in _g.ValueInfo)
            {
                if (!used.Contains(v.Name)) continue;
                if (_finalPrecision.TryGetValue(v.Name, out var p) && v.Type?.TensorType is { } tt)
                    tt.ElemType = p == P.Narrow ? _target : (int)DataType.Float;
                keep.Add(v);
            }
            _g.ValueInfo.Clear();
            _g.ValueInfo.AddRange(keep);
        }
    }
}
