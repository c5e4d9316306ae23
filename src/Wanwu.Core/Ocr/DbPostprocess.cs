namespace Wanwu.Ocr;

/// <summary>
/// The DB text detector's probability map → text boxes, as PaddleOCR's <c>DBPostProcess</c> (quad boxes, fast score):
/// threshold, connected regions, smallest rectangle, mean probability inside, unclip, smallest rectangle again.
/// </summary>
internal static class DbPostprocess
{
    /// <summary>PaddleOCR's <c>min_size</c>: regions narrower than this (map pixels) are noise; boxes after unclip must be 2 wider.</summary>
    private const double MinSize = 3;

    /// <summary>A text box in map pixels, corners as <see cref="RotatedRect.Corners"/>, and its score.</summary>
    public readonly record struct Box(Point2[] Corners, float Score);

    /// <summary>Boxes of <paramref name="map"/> (row-major), the best <see cref="OcrSettings.MaxBoxes"/> of them, in map order.</summary>
    public static List<Box> Boxes(ReadOnlySpan<float> map, int width, int height, OcrSettings settings)
    {
        var boxes = new List<Box>();
        foreach (var region in TextRegions.Find(map, width, height, settings.BinaryThreshold))
        {
            // A region this small cannot give a box of MinSize: skip it before the hull (noise maps have many).
            if (region.Pixels < MinSize) continue;
            var rect = RotatedRect.MinArea(region.Outline);
            if (rect.ShortSide < MinSize) continue;
            var score = MeanInside(map, width, height, rect.Corners());
            if (score < settings.BoxThreshold) continue;
            var grown = rect.Expand(rect.UnclipDistance(settings.UnclipRatio));
            if (grown.ShortSide < MinSize + 2) continue;
            boxes.Add(new Box(grown.Corners(), score));
        }
        if (boxes.Count > settings.MaxBoxes)
        {
            var kept = boxes.Select((b, i) => (b, i)).OrderByDescending(x => x.b.Score).Take(settings.MaxBoxes).OrderBy(x => x.i);
            boxes = kept.Select(x => x.b).ToList();
        }
        return boxes;
    }

    /// <summary>
    /// The mean of <paramref name="map"/> over the pixels of the convex polygon <paramref name="corners"/>, its edge pixels
    /// included (as OpenCV's <c>fillPoly</c> mask in PaddleOCR's <c>box_score_fast</c>); 0 when it covers no pixel.
    /// </summary>
    public static float MeanInside(ReadOnlySpan<float> map, int width, int height, Point2[] corners)
    {
        var xmin = Math.Clamp((int)Math.Floor(corners.Min(c => c.X)), 0, width - 1);
        var xmax = Math.Clamp((int)Math.Ceiling(corners.Max(c => c.X)), 0, width - 1);
        var ymin = Math.Clamp((int)Math.Floor(corners.Min(c => c.Y)), 0, height - 1);
        var ymax = Math.Clamp((int)Math.Ceiling(corners.Max(c => c.Y)), 0, height - 1);
        // Each edge as a half-plane n·p ≥ c, with n pointing inwards and of unit length; pixels up to half a pixel outside count.
        var n = corners.Length;
        var orientation = 0.0;
        for (var i = 0; i < n; i++) orientation += corners[i].Cross(corners[(i + 1) % n]);
        var sign = orientation >= 0 ? 1 : -1;
        Span<(double Nx, double Ny, double C)> edges = stackalloc (double, double, double)[n];
        var count = 0;
        for (var i = 0; i < n; i++)
        {
            var a = corners[i];
            var d = corners[(i + 1) % n] - a;
            var length = d.Length;
            if (length < 1e-9) continue;
            var (nx, ny) = (-d.Y * sign / length, d.X * sign / length);
            edges[count++] = (nx, ny, nx * a.X + ny * a.Y - 0.5);
        }
        double sum = 0;
        var pixels = 0;
        for (var y = ymin; y <= ymax; y++)
        {
            for (var x = xmin; x <= xmax; x++)
            {
                var inside = true;
                for (var e = 0; e < count && inside; e++) inside = edges[e].Nx * x + edges[e].Ny * y >= edges[e].C;
                if (!inside) continue;
                sum += map[y * width + x];
                pixels++;
            }
        }
        return pixels == 0 ? 0 : (float)(sum / pixels);
    }
}
