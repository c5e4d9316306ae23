using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;

namespace Wanwu.Postprocess;

/// <summary>
/// YOLO-style boxes: per candidate a centre box (cx, cy, w, h), an optional objectness, then one score per class;
/// candidates first ([A, 5+C], YOLOv5) or channels first ([4+C, A], YOLOv8). Score = objectness × class score.
/// </summary>
internal sealed class YoloDecoder(YoloOutput head, LabelSet labels, DetectionSettings settings) : IPostprocessor
{
    private readonly bool _channelsFirst = head.Layout == YoloLayout.ChannelsFirst;
    private readonly bool _objectness = head.Objectness ?? head.Layout != YoloLayout.ChannelsFirst;
    private readonly bool _normalized = head.Normalized;

    public ImageResult Process(DecodedImage image, IReadOnlyList<OutputTensor> outputs, int index)
    {
        var tensor = outputs[head.Output];
        var row = tensor.Data;
        var offset = index * tensor.RowLength;
        var (a, c) = _channelsFirst ? (tensor.Shape[^1], tensor.Shape[^2]) : (tensor.Shape[^2], tensor.Shape[^1]);
        float At(int candidate, int column) => row[offset + (_channelsFirst ? column * a + candidate : candidate * c + column)];
        var first = _objectness ? 5 : 4;
        var (sx, sy) = _normalized ? (image.Width, image.Height) : (1, 1);
        var candidates = new List<Candidate>();
        for (var i = 0; i < a; i++)
        {
            var objectness = _objectness ? At(i, 4) : 1f;
            if (objectness < settings.CandidateThreshold) continue;
            var (best, bestScore) = (-1, settings.CandidateThreshold);
            for (var k = first; k < c; k++)
            {
                var score = objectness * At(i, k);
                if (score > bestScore) (best, bestScore) = (k - first, score);
            }
            if (best < 0) continue;
            var (cx, cy, w, h) = (At(i, 0) * sx, At(i, 1) * sy, At(i, 2) * sx, At(i, 3) * sy);
            candidates.Add(new Candidate(best, bestScore, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2));
        }
        return Detections.ToResult(image, Detections.Nms(candidates, settings.IouThreshold, settings.MaxDetections), labels, settings);
    }
}
