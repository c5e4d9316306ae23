using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;

namespace Wanwu.Postprocess;

/// <summary>
/// CenterNet: a per-class heatmap [H, W, C] whose 3×3 local maxima are object centres, and per cell the distances
/// [left, top, right, bottom] in input pixels from the centre (cell × stride) to the box sides.
/// </summary>
internal sealed class CenterNetDecoder(CenterNetOutput head, LabelSet labels, DetectionSettings settings) : IPostprocessor
{
    public ImageResult Process(DecodedImage image, IReadOnlyList<OutputTensor> outputs, int index)
    {
        var heatTensor = outputs[head.Heatmap];
        var sizes = outputs[head.Sizes].Row(index);
        var heat = heatTensor.Row(index);
        var (h, w, c) = (heatTensor.Shape[1], heatTensor.Shape[2], heatTensor.Shape[3]);
        var stride = head.Stride ?? image.Width / w;
        var candidates = new List<Candidate>();
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        for (var k = 0; k < c; k++)
        {
            var v = heat[(y * w + x) * c + k];
            if (v < settings.CandidateThreshold || !IsPeak(heat, h, w, c, y, x, k, v)) continue;
            var cell = (y * w + x) * 4;
            var (cx, cy) = (x * stride, y * stride);
            candidates.Add(new Candidate(k, v, cx - sizes[cell], cy - sizes[cell + 1], cx + sizes[cell + 2], cy + sizes[cell + 3]));
        }
        return Detections.ToResult(image, Detections.Nms(candidates, settings.IouThreshold, settings.MaxDetections), labels, settings);
    }

    /// <summary>Equal to the maximum of its 3×3 neighbourhood in the same class: the graph's own max-pool test.</summary>
    private static bool IsPeak(ReadOnlySpan<float> heat, int h, int w, int c, int y, int x, int k, float v)
    {
        for (var dy = -1; dy <= 1; dy++)
        for (var dx = -1; dx <= 1; dx++)
        {
            var (yy, xx) = (y + dy, x + dx);
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            if (heat[(yy * w + xx) * c + k] > v) return false;
        }
        return true;
    }
}
