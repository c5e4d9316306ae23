namespace Wanwu;

/// <summary>How a model's outputs become labels and objects.</summary>
public sealed record PostprocessOptions
{
    /// <summary>The score threshold of a detector whose card states none.</summary>
    internal const float DefaultScoreThreshold = 0.3f;

    /// <summary>Labels kept per image, best first.</summary>
    public int TopK { get; init; } = 5;

    /// <summary>Detections below this score are dropped; null takes the model card's, else 0.3.</summary>
    public float? ScoreThreshold { get; init; }

    /// <summary>Overlap above which a weaker box of the same class is suppressed.</summary>
    public float IouThreshold { get; init; } = 0.45f;

    /// <summary>Most objects kept per image.</summary>
    public int MaxDetections { get; init; } = 100;

    /// <summary>
    /// For a run with an OCR model: keyword rules that turn text into labels, a TSV file with one rule a line,
    /// <c>keyword&lt;TAB&gt;label[&lt;TAB&gt;label_en]</c>; an image with a line of text containing the keyword gets
    /// the label (score: the line's). Null for none.
    /// </summary>
    public string? TextTagsFile { get; init; }
}
