namespace Wanwu.Ocr;

/// <summary>The convex hull of a point set (Andrew's monotone chain).</summary>
internal static class ConvexHull
{
    /// <summary>The hull's corners in one turning direction, without repeated or collinear points; empty for no points.</summary>
    public static Point2[] Of(IReadOnlyList<Point2> points)
    {
        var sorted = points.Distinct().OrderBy(p => p.X).ThenBy(p => p.Y).ToArray();
        if (sorted.Length < 3) return sorted;
        var hull = new Point2[sorted.Length * 2];
        var k = 0;
        // Lower chain left to right, then upper chain right to left; a point that does not turn the same way is dropped.
        foreach (var p in sorted)
        {
            while (k >= 2 && (hull[k - 1] - hull[k - 2]).Cross(p - hull[k - 2]) <= 0) k--;
            hull[k++] = p;
        }
        var lower = k + 1;
        for (var i = sorted.Length - 2; i >= 0; i--)
        {
            var p = sorted[i];
            while (k >= lower && (hull[k - 1] - hull[k - 2]).Cross(p - hull[k - 2]) <= 0) k--;
            hull[k++] = p;
        }
        // The last point repeats the first.
        return hull[..(k - 1)];
    }
}
