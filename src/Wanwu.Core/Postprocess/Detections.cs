using Wanwu.Decode;
using Wanwu.Models;

namespace Wanwu.Postprocess;

/// <summary>A candidate box in model-input pixels, before suppression.</summary>
internal readonly record struct Candidate(int ClassId, float Score, float X1, float Y1, float X2, float Y2)
{
    public float Area => Math.Max(0, X2 - X1) * Math.Max(0, Y2 - Y1);
}

/// <summary>Per-class non-maximum suppression and the record a detector produces.</summary>
internal static class Detections
{
    public static float IoU(in Candidate a, in Candidate b)
    {
        var w = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1);
        var h = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        if (w <= 0 || h <= 0) return 0;
        var inter = w * h;
        return inter / (a.Area + b.Area - inter);
    }

    /// <summary>Greedy NMS within each class, best first, keeping at most <paramref name="max"/> boxes overall.</summary>
    public static List<Candidate> Nms(IEnumerable<Candidate> candidates, float iou, int max)
    {
        var kept = new List<Candidate>();
        foreach (var c in candidates.OrderByDescending(c => c.Score))
        {
            if (kept.Count >= max) break;
            var suppressed = false;
            foreach (var k in kept)
                if (k.ClassId == c.ClassId && IoU(k, c) > iou) { suppressed = true; break; }
            if (!suppressed) kept.Add(c);
        }
        return kept;
    }

    /// <summary>
    /// Maps kept boxes to original pixels and derives the labels list: the best score of each class present. Boxes
    /// are kept from <see cref="DetectionSettings.ScoreThreshold"/>, labels from <see cref="DetectionSettings.LabelThreshold"/>.
    /// </summary>
    public static ImageResult ToResult(DecodedImage image, List<Candidate> kept, LabelSet labels, DetectionSettings settings)
    {
        var g = image.Geometry;
        float Clamp(double v, int max) => (float)Math.Round(Math.Clamp(v, 0, max), 1);
        var all = kept.Select(c =>
        {
            var name = labels[c.ClassId];
            return new DetectedObject(c.ClassId, name.Zh, name.En, c.Score,
            [
                Clamp(g.ToOriginalX(c.X1), image.OriginalWidth), Clamp(g.ToOriginalY(c.Y1), image.OriginalHeight),
                Clamp(g.ToOriginalX(c.X2), image.OriginalWidth), Clamp(g.ToOriginalY(c.Y2), image.OriginalHeight),
            ]);
        }).ToList();
        // By name, so that classes a label map merged count once.
        var labelScores = all.Where(o => o.Score >= settings.LabelThreshold).GroupBy(o => o.Label).Select(grp => grp.First()).Take(settings.TopK)
            .Select(o => new LabelScore(o.Id, o.Label, o.LabelEn, o.Score)).ToList();
        var objects = all.Where(o => o.Score >= settings.ScoreThreshold).ToList();
        return new ImageResult(image.Item.Path, labelScores, objects, null, image.OriginalWidth, image.OriginalHeight);
    }
}
