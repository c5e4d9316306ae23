namespace Wanwu.Ocr;

/// <summary>
/// A rectangle at any angle: <see cref="Width"/> along the unit vector <see cref="Axis"/>, <see cref="Height"/> across it.
/// Text boxes are these: the smallest rectangle around a detected region, grown by the unclip distance.
/// </summary>
internal readonly record struct RotatedRect(Point2 Center, Point2 Axis, double Width, double Height)
{
    public double ShortSide => Math.Min(Width, Height);

    public double Area => Width * Height;

    public double Perimeter => 2 * (Width + Height);

    /// <summary>
    /// The smallest-area rectangle holding every point (as OpenCV's <c>minAreaRect</c>): one side of it lies on an edge of
    /// the convex hull, so each hull edge is tried as the direction of a side (rotating calipers, measured directly:
    /// text regions have hulls of tens of corners).
    /// </summary>
    public static RotatedRect MinArea(IReadOnlyList<Point2> points)
    {
        var hull = ConvexHull.Of(points);
        switch (hull.Length)
        {
            case 0: throw new ArgumentException("no points", nameof(points));
            case 1: return new RotatedRect(hull[0], new Point2(1, 0), 0, 0);
        }
        var best = default(RotatedRect);
        var bestArea = double.PositiveInfinity;
        for (var i = 0; i < hull.Length; i++)
        {
            var edge = hull[(i + 1) % hull.Length] - hull[i];
            var length = edge.Length;
            if (length == 0) continue;
            var axis = edge * (1 / length);
            var normal = new Point2(-axis.Y, axis.X);
            double minU = double.PositiveInfinity, maxU = double.NegativeInfinity, minV = double.PositiveInfinity, maxV = double.NegativeInfinity;
            foreach (var p in hull)
            {
                var d = p - hull[i];
                var u = d.Dot(axis);
                var v = d.Dot(normal);
                minU = Math.Min(minU, u); maxU = Math.Max(maxU, u);
                minV = Math.Min(minV, v); maxV = Math.Max(maxV, v);
            }
            var area = (maxU - minU) * (maxV - minV);
            if (area < bestArea)
            {
                bestArea = area;
                var center = hull[i] + axis * ((minU + maxU) / 2) + normal * ((minV + maxV) / 2);
                best = new RotatedRect(center, axis, maxU - minU, maxV - minV);
            }
        }
        return best;
    }

    /// <summary>
    /// The distance PaddleOCR's DB post-processing pushes a box's sides out by (its <c>unclip</c>): area × ratio / perimeter,
    /// so the shrunken text kernel the network marks grows back to the whole text.
    /// </summary>
    public double UnclipDistance(double ratio) => Perimeter > 0 ? Area * ratio / Perimeter : 0;

    /// <summary>
    /// This rectangle with every side pushed out by <paramref name="distance"/>. PaddleOCR offsets the polygon with round
    /// joins and takes the smallest rectangle around the result: for a rectangle that is exactly this one, since the
    /// rounded corners stay inside it and no other angle is narrower in both directions.
    /// </summary>
    public RotatedRect Expand(double distance) => this with { Width = Width + 2 * distance, Height = Height + 2 * distance };

    /// <summary>
    /// The four corners in PaddleOCR's order (<c>get_mini_boxes</c>): of the two leftmost corners the upper one first, then
    /// the upper and the lower of the two rightmost, then the lower left: top-left, top-right, bottom-right, bottom-left
    /// for a box that is not turned far.
    /// </summary>
    public Point2[] Corners()
    {
        var u = Axis * (Width / 2);
        var v = new Point2(-Axis.Y, Axis.X) * (Height / 2);
        // A stable sort, as Python's sorted.
        var p = new[] { Center - u - v, Center + u - v, Center + u + v, Center - u + v }.OrderBy(c => c.X).ToArray();
        var (topLeft, bottomLeft) = p[1].Y > p[0].Y ? (p[0], p[1]) : (p[1], p[0]);
        var (topRight, bottomRight) = p[3].Y > p[2].Y ? (p[2], p[3]) : (p[3], p[2]);
        return [topLeft, topRight, bottomRight, bottomLeft];
    }
}
