using Wanwu.Models;

namespace Wanwu.Postprocess;

/// <summary>The one place output kinds are mapped to their decoders.</summary>
public static class PostprocessorFactory
{
    public static IPostprocessor Create(ModelSpec spec, TagOptions options, TextWriter? log = null)
    {
        var detect = new DetectionSettings(options.ScoreThreshold, options.IouThreshold, options.MaxDetections, options.TopK);
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

/// <summary>Thresholds shared by every detector decoder.</summary>
public sealed record DetectionSettings(float ScoreThreshold, float IouThreshold, int MaxDetections, int TopK);
