using static Wanwu.Models.Onnx.OnnxGraphBuilder;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Models.Onnx;

/// <summary>
/// Appends the classifier head to the graph, so that only k labels per image leave the device: the scores become
/// probabilities (float32 Softmax or Sigmoid, or nothing) and TopK on the last axis gives
/// <see cref="ScoresOutput"/> [N, k] float32 and <see cref="IndicesOutput"/> [N, k] int64, largest first, ties to the
/// lower index, as <see cref="Postprocess.ClassifierHead"/> orders them on the CPU. The full scores output leaves the
/// graph outputs unless kept. Label maps that merge classes under one name (ClassifierHead sums their probabilities)
/// are not replicated: a model with such a map keeps the CPU head. Append before or after
/// <see cref="OnnxPrecision.Convert"/>: the conversion keeps an appended head in float32.
/// </summary>
internal static class OnnxHead
{
    public const string ScoresOutput = "topk_scores";
    public const string IndicesOutput = "topk_indices";


    /// <summary>
    /// A copy of <paramref name="model"/> with the head appended to output <paramref name="scores"/> (null: the first
    /// output, as ClassifierHead falls back to). <see cref="ScoreKind.Auto"/> is decided in the graph, per image, by
    /// ClassifierHead's own test, so the caller need not resolve it.
    /// </summary>
    public static ModelProto Append(ModelProto model, string? scores, ScoreKind kind, int k, bool keepScores = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var copy = model.Clone();
        var e = new OnnxGraphEditor(copy);
        var g = e.Graph;
        if (e.Opset < 11) throw new ModelLoadException($"the model's opset {e.Opset} has no GatherElements and no TopK with a k input (opset 11); convert it to a later opset");
        var output = (scores is null ? g.Output.FirstOrDefault() : g.Output.FirstOrDefault(o => o.Name == scores))
            ?? throw new ModelLoadException($"the model has no output '{scores}' to append the classifier head to (outputs: {string.Join(", ", g.Output.Select(o => o.Name))})");
        foreach (var name in new[] { ScoresOutput, IndicesOutput })
            if (e.Uses(name)) throw new ModelLoadException($"the model already has a tensor named '{name}': its classifier head cannot be appended");

        var dims = output.Type?.TensorType?.Shape?.Dim.ToList() ?? [];
        var x = AsFloat32(e, output);
        if (dims.Count > 2)
        {
            // ClassifierHead reads all of an image's values as one row: [N, C, 1, 1] from a convolution head included.
            x = e.Add("Flatten", "head_rows", [x], Attr("axis", 1L));
            var known = dims.Skip(1).All(IsStatic);
            dims = [dims[0], known ? new TensorShapeProto.Types.Dimension { DimValue = dims.Skip(1).Aggregate(1L, (a, d) => a * d.DimValue) } : new TensorShapeProto.Types.Dimension()];
        }
        long? classes = dims.Count > 0 && IsStatic(dims[^1]) ? dims[^1].DimValue : null;
        var rank = dims.Count;
        var kInput = classes is { } c ? e.Int64s("head_k", Math.Min(k, c))
            : e.Opset >= 12 ? e.Add("Min", "head_k", [e.Add("Slice", "head_classes", [e.Add("Shape", "head_shape", [x]), e.Int64s("head_last", -1), e.Int64s("head_end", long.MaxValue), e.Int64s("head_axis0", 0)]), e.Int64s("head_k_wanted", k)])
            : e.Int64s("head_k", k);
        // Softmax and Sigmoid keep the order of the raw scores, so TopK ranks the raw scores (exactly, with no rounding
        // of an activation in between to make near ties) and the activation gives the k scores.
        var topValues = e.Fresh(kind == ScoreKind.Probabilities ? ScoresOutput : "head_top_raw");
        var topK = e.NewNode("TopK", [x, kInput], [topValues, e.Fresh(IndicesOutput)], Attr("axis", -1L));
        topK.Attribute.AddRange([Attr("largest", 1L), Attr("sorted", 1L)]);
        g.Node.Add(topK);
        var scoresName = kind == ScoreKind.Probabilities ? topValues : e.Fresh(ScoresOutput);
        switch (kind)
        {
            case ScoreKind.Sigmoid:
                g.Node.Add(e.NewNode("Sigmoid", [topValues], [scoresName]));
                break;
            case ScoreKind.Logits:
                g.Node.Add(e.NewNode("GatherElements", [Softmax(e, x, rank), IndicesOutput], [scoresName], Attr("axis", -1L)));
                break;
            case ScoreKind.Auto:
                g.Node.Add(e.NewNode("GatherElements", [AutoProbabilities(e, x, rank), IndicesOutput], [scoresName], Attr("axis", -1L)));
                break;
        }

        if (!keepScores) g.Output.Remove(output);
        g.Output.Add(TopKInfo(ScoresOutput, DataType.Float, dims, classes is null ? null : Math.Min(k, classes.Value)));
        g.Output.Add(TopKInfo(IndicesOutput, DataType.Int64, dims, classes is null ? null : Math.Min(k, classes.Value)));
        return copy;
    }

    /// <summary>Float16, bfloat16 and double scores are cast to float32, where ClassifierHead reads them as floats too.</summary>
    private static string AsFloat32(OnnxGraphEditor e, ValueInfoProto output)
    {
        var type = output.Type?.TensorType?.ElemType ?? 0;
        if (type is 0 or (int)DataType.Float) return output.Name;
        if (type is (int)DataType.Float16 or (int)DataType.Double or OnnxPrecision.BFloat16)
            return e.Add("Cast", output.Name + "_fp32", [output.Name], Attr("to", (long)DataType.Float));
        throw new ModelLoadException($"output '{output.Name}' holds {(DataType)type} values, not class scores");
    }

    /// <summary>Softmax over the last axis; before opset 13 Softmax flattens at its axis, which for the last axis is the same.</summary>
    private static string Softmax(OnnxGraphEditor e, string x, int rank) =>
        e.Add("Softmax", "head_softmax", [x], Attr("axis", e.Opset >= 13 || rank == 0 ? -1L : rank - 1));

    /// <summary>
    /// ClassifierHead's test per row: all scores in [0, 1] and their sum in (0.5, 1.5) → probabilities as they are,
    /// otherwise logits → Softmax. (ClassifierHead sums in double, the graph in float: only a sum within float rounding
    /// of 0.5 or 1.5 could be judged differently.)
    /// </summary>
    private static string AutoProbabilities(OnnxGraphEditor e, string x, int rank)
    {
        var min = Reduce(e, "ReduceMin", x);
        var max = Reduce(e, "ReduceMax", x);
        var sum = Reduce(e, "ReduceSum", x);
        var inRange = e.Add("And", "head_in_range", [
            e.Add("Not", "head_not_negative", [e.Add("Less", "head_negative", [min, e.Float("head_zero", 0f)])]),
            e.Add("Not", "head_not_above_one", [e.Add("Greater", "head_above_one", [max, e.Float("head_one", 1f)])])]);
        var sumsToOne = e.Add("And", "head_sums_to_one", [
            e.Add("Greater", "head_sum_above", [sum, e.Float("head_half", 0.5f)]),
            e.Add("Less", "head_sum_below", [sum, e.Float("head_one_and_half", 1.5f)])]);
        var isProbabilities = e.Add("And", "head_is_probabilities", [inRange, sumsToOne]);
        return e.Add("Where", "head_probabilities", [isProbabilities, x, Softmax(e, x, rank)]);
    }

    /// <summary>A reduction over the last axis keeping it; axes moved from attribute to input (ReduceSum at 13, the others at 18).</summary>
    private static string Reduce(OnnxGraphEditor e, string op, string x)
    {
        var axesAsInput = op == "ReduceSum" ? e.Opset >= 13 : e.Opset >= 18;
        return axesAsInput
            ? e.Add(op, "head_" + op, [x, e.Int64s("head_axes", -1)], Attr("keepdims", 1L))
            : e.Add(op, "head_" + op, [x], Attr("axes", [-1L]), Attr("keepdims", 1L));
    }

    private static bool IsStatic(TensorShapeProto.Types.Dimension d) => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue;

    /// <summary>The output's type: the scores' leading dimensions and k last; no shape where the scores' rank is unknown.</summary>
    private static ValueInfoProto TopKInfo(string name, DataType type, List<TensorShapeProto.Types.Dimension> dims, long? k)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims.Count > 0)
        {
            tensor.Shape = new TensorShapeProto();
            for (var i = 0; i < dims.Count - 1; i++) tensor.Shape.Dim.Add(dims[i].Clone());
            tensor.Shape.Dim.Add(k is { } known ? new TensorShapeProto.Types.Dimension { DimValue = known } : new TensorShapeProto.Types.Dimension { DimParam = "k" });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}
