using Wanwu.Models;

namespace Wanwu.Postprocess;

/// <summary>The one place output kinds are mapped to their decoders.</summary>
public static class PostprocessorFactory
{
    public static IPostprocessor Create(ModelSpec spec, TagOptions options, TextWriter? log = null)
    {
        var detect = DetectionSettings.For(spec.Output, options);
        return spec.Output.Kind?.ToLowerInvariant() switch
        {
            "auto" or "probabilities" or "logits" or "sigmoid" or null => new ClassifierHead(spec, options.TopK),
            "ssd-anchors" => new SsdAnchorDecoder(spec, detect),
            "centernet" => new CenterNetDecoder(spec, detect),
            "yolo" => new YoloDecoder(spec, detect),
            "embedding" => ZeroShotHead.Create(spec, options, log),
            var k => throw new ModelLoadException($"output kind '{k}' is not known (probabilities, logits, sigmoid, ssd-anchors, centernet, yolo, embedding)"),
        };
    }
}

/// <summary>
/// Thresholds shared by every detector decoder: boxes (<c>objects</c>) scoring below <see cref="ScoreThreshold"/> are
/// dropped; a class is an image-level label when its best box scores at least <see cref="LabelThreshold"/>.
/// </summary>
public sealed record DetectionSettings(float ScoreThreshold, float LabelThreshold, float IouThreshold, int MaxDetections, int TopK)
{
    public const float DefaultScoreThreshold = 0.3f;

    /// <summary>Candidates below this serve neither boxes nor labels, so decoders skip them.</summary>
    public float CandidateThreshold => Math.Min(ScoreThreshold, LabelThreshold);

    /// <summary>The user's <c>--score-threshold</c> wins for boxes and labels alike; else the model card's; else 0.3.</summary>
    public static DetectionSettings For(OutputCard card, TagOptions options)
    {
        var score = options.ScoreThreshold ?? card.ScoreThreshold ?? DefaultScoreThreshold;
        var label = options.ScoreThreshold ?? card.LabelScoreThreshold ?? score;
        return new DetectionSettings(score, label, options.IouThreshold, options.MaxDetections, options.TopK);
    }
}
