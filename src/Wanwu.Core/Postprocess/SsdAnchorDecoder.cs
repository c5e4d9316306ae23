using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;

namespace Wanwu.Postprocess;

/// <summary>
/// SSD with explicit anchors: scores [A, C] (a background column), offsets [A, 4] and anchors [A, 4], all corners
/// normalised to 0..1; each corner is the anchor's corner plus offset times the anchor's size.
/// </summary>
internal sealed class SsdAnchorDecoder(SsdOutput head, LabelSet labels, DetectionSettings settings) : IPostprocessor
{
    public ImageResult Process(DecodedImage image, IReadOnlyList<OutputTensor> outputs, int index)
    {
        var scores = outputs[head.Scores];
        var boxes = outputs[head.Boxes].Row(index);
        var anchors = outputs[head.Anchors].Row(index);
        var classes = scores.Shape[^1];
        var s = scores.Row(index);
        var background = head.BackgroundClass ?? -1;
        var candidates = new List<Candidate>();
        for (var a = 0; a < s.Length / classes; a++)
        {
            var best = -1;
            var bestScore = settings.CandidateThreshold;
            for (var c = 0; c < classes; c++)
            {
                if (c == background) continue;
                var v = s[a * classes + c];
                if (v > bestScore) (best, bestScore) = (c, v);
            }
            if (best < 0) continue;
            var (ax1, ay1, ax2, ay2) = (anchors[4 * a], anchors[4 * a + 1], anchors[4 * a + 2], anchors[4 * a + 3]);
            var (w, h) = (ax2 - ax1, ay2 - ay1);
            candidates.Add(new Candidate(best, bestScore,
                (boxes[4 * a] * w + ax1) * image.Width, (boxes[4 * a + 1] * h + ay1) * image.Height,
                (boxes[4 * a + 2] * w + ax2) * image.Width, (boxes[4 * a + 3] * h + ay2) * image.Height));
        }
        return Detections.ToResult(image, Detections.Nms(candidates, settings.IouThreshold, settings.MaxDetections), labels, settings);
    }
}
