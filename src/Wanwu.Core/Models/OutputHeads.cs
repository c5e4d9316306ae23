namespace Wanwu.Models;

/// <summary>
/// How a model's outputs are read, parsed once from its card and checked against the session's outputs: every output is
/// named by its index in the session's output list, so a misspelt name in a card is a load error, not wrong tags.
/// </summary>
internal abstract record OutputHead
{
    /// <summary>The card's name for this kind of output, for <c>wanwu models inspect</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Parses the card's <c>output</c> section for a session whose outputs are <paramref name="outputs"/>, in order.</summary>
    public static OutputHead Parse(OutputCard card, IReadOnlyList<string> outputs, bool zeroShot)
    {
        var find = new OutputFinder(outputs);
        if (zeroShot) return new EmbeddingHead(find.Index(card.Scores, 0, "scores"));
        return card.Kind?.ToLowerInvariant() switch
        {
            "auto" or null => new ClassifierOutput(find.Index(card.Scores, 0, "scores"), ScoreKind.Auto),
            "probabilities" => new ClassifierOutput(find.Index(card.Scores, 0, "scores"), ScoreKind.Probabilities),
            "logits" => new ClassifierOutput(find.Index(card.Scores, 0, "scores"), ScoreKind.Logits),
            "sigmoid" => new ClassifierOutput(find.Index(card.Scores, 0, "scores"), ScoreKind.Sigmoid),
            "ssd-anchors" => new SsdOutput(find.Index(card.Scores, 0, "scores"), find.Index(card.Boxes, 1, "boxes"),
                find.Index(card.Anchors, 2, "anchors"), card.BackgroundClass, Thresholds(card)),
            "centernet" => new CenterNetOutput(find.Index(card.Heatmap, 0, "heatmap"), find.Index(card.Sizes, 1, "sizes"), card.Stride, Thresholds(card)),
            "yolo" => new YoloOutput(find.Index(card.Scores, 0, "scores"), YoloLayouts.Parse(card.Layout), card.Objectness, card.Normalized ?? false, Thresholds(card)),
            var k => throw new ModelLoadException($"output kind '{k}' is not known (probabilities, logits, sigmoid, ssd-anchors, centernet, yolo)"),
        };
    }

    private static DetectorThresholds Thresholds(OutputCard card) => new(card.ScoreThreshold, card.LabelScoreThreshold);

    /// <summary>Resolves the card's output names to positions in the session's outputs.</summary>
    private sealed class OutputFinder(IReadOnlyList<string> outputs)
    {
        /// <summary>The named output, which must exist; an unnamed one is the documented position for its role.</summary>
        public int Index(string? name, int position, string role)
        {
            if (name is not null)
            {
                var index = outputs.ToList().IndexOf(name);
                return index >= 0 ? index : throw new ModelLoadException(
                    $"the model card names output '{name}' ({role}) but the model's outputs are {string.Join(", ", outputs.Select(o => $"'{o}'"))}; fix output.{role} in {ModelCard.FileName}");
            }
            return position < outputs.Count ? position : throw new ModelLoadException(
                $"the model has {outputs.Count} output(s) but its {role} output is expected at position {position}; name it with output.{role} in {ModelCard.FileName}");
        }
    }
}

/// <summary>How class scores are turned into probabilities.</summary>
internal enum ScoreKind
{
    /// <summary>Told apart per image: values in 0..1 summing to about one are probabilities, otherwise logits.</summary>
    Auto,
    Probabilities,
    Logits,
    Sigmoid,
}

/// <summary>A classifier: one score per class.</summary>
internal sealed record ClassifierOutput(int Scores, ScoreKind Scoring) : OutputHead
{
    public override string Kind => Scoring.ToString().ToLowerInvariant();
}

/// <summary>
/// A classifier whose head runs in the graph (on the device): per image only the k best scores, already probabilities,
/// and their class indices come back (see <c>OnnxHead</c>).
/// </summary>
internal sealed record TopKOutput(int Scores, int Indices) : OutputHead
{
    public override string Kind => "top-k in the graph";
}

/// <summary>An image-text model's image embedding, scored against the run's vocabulary.</summary>
internal sealed record EmbeddingHead(int Embedding) : OutputHead
{
    public override string Kind => "embedding";
}

/// <summary>A detector's measured defaults from its card: boxes from <c>Score</c>, image-level labels from <c>Label</c>.</summary>
internal sealed record DetectorThresholds(float? Score, float? Label);

/// <summary>A detector, with the thresholds its card states (see docs/detector-calibration.md).</summary>
internal abstract record DetectorOutput(DetectorThresholds Defaults) : OutputHead;

/// <summary>SSD with explicit anchors (see <c>SsdAnchorDecoder</c>).</summary>
internal sealed record SsdOutput(int Scores, int Boxes, int Anchors, int? BackgroundClass, DetectorThresholds Defaults) : DetectorOutput(Defaults)
{
    public override string Kind => "ssd-anchors";
}

/// <summary>CenterNet heatmap and box sizes (see <c>CenterNetDecoder</c>).</summary>
internal sealed record CenterNetOutput(int Heatmap, int Sizes, int? Stride, DetectorThresholds Defaults) : DetectorOutput(Defaults)
{
    public override string Kind => "centernet";
}

/// <summary>YOLO-style boxes (see <c>YoloDecoder</c>); objectness null follows the layout.</summary>
internal sealed record YoloOutput(int Output, YoloLayout Layout, bool? Objectness, bool Normalized, DetectorThresholds Defaults) : DetectorOutput(Defaults)
{
    public override string Kind => "yolo";
}

/// <summary>Where YOLO puts candidates and channels.</summary>
internal enum YoloLayout
{
    /// <summary>[N, A, 4(+1)+C], YOLOv5.</summary>
    AnchorsFirst,
    /// <summary>[N, 4+C, A], YOLOv8.</summary>
    ChannelsFirst,
}

internal static class YoloLayouts
{
    public static YoloLayout Parse(string? layout) => layout?.ToLowerInvariant() switch
    {
        null or "anchors-first" => YoloLayout.AnchorsFirst,
        "channels-first" => YoloLayout.ChannelsFirst,
        var l => throw new ModelLoadException($"YOLO output layout '{l}' is not anchors-first or channels-first"),
    };
}
