using Wanwu.Models;
using Wanwu.Models.ZeroShot;

namespace Wanwu.Postprocess;

/// <summary>The one place a model's output head (the definition) is turned into its decoder (the executor).</summary>
internal static class PostprocessorFactory
{
    /// <param name="spec">The model, its output head and labels.</param>
    /// <param name="options">The run's top-k and thresholds.</param>
    /// <param name="tags">The vocabulary's text embeddings, for an image-text model.</param>
    public static IPostprocessor Create(ModelSpec spec, PostprocessOptions options, TextEmbeddings? tags = null)
    {
        DetectionSettings Detect(DetectorOutput head) => DetectionSettings.For(head, options);
        return spec.Head switch
        {
            ClassifierOutput head => new ClassifierHead(head, spec.Labels, options.TopK),
            TopKOutput head => new TopKHead(head, spec.Labels, options.TopK),
            SsdOutput head => new SsdAnchorDecoder(head, spec.Labels, Detect(head)),
            CenterNetOutput head => new CenterNetDecoder(head, spec.Labels, Detect(head)),
            YoloOutput head => new YoloDecoder(head, spec.Labels, Detect(head)),
            EmbeddingHead head => new ZeroShotHead(head, tags ?? throw new InvalidOperationException("an image-text model needs its vocabulary's embeddings"),
                spec.ZeroShot!.LogitScale, new ClassifierHead(new ClassifierOutput(0, ScoreKind.Logits), spec.Labels, options.TopK)),
            var head => throw new InvalidOperationException($"no decoder for {head.GetType().Name}"),
        };
    }
}

/// <summary>
/// Thresholds shared by every detector decoder: boxes (<c>objects</c>) scoring below <see cref="ScoreThreshold"/> are
/// dropped; a class is an image-level label when its best box scores at least <see cref="LabelThreshold"/>.
/// </summary>
internal sealed record DetectionSettings(float ScoreThreshold, float LabelThreshold, float IouThreshold, int MaxDetections, int TopK)
{
    /// <summary>Candidates below this serve neither boxes nor labels, so decoders skip them.</summary>
    public float CandidateThreshold => Math.Min(ScoreThreshold, LabelThreshold);

    /// <summary>The user's <c>--score-threshold</c> wins for boxes and labels alike; else the model card's; else 0.3.</summary>
    public static DetectionSettings For(DetectorOutput head, PostprocessOptions options)
    {
        var score = options.ScoreThreshold ?? head.Defaults.Score ?? PostprocessOptions.DefaultScoreThreshold;
        var label = options.ScoreThreshold ?? head.Defaults.Label ?? score;
        return new DetectionSettings(score, label, options.IouThreshold, options.MaxDetections, options.TopK);
    }
}
