namespace Wanwu.Ocr;

/// <summary>A projective map of the plane: (x, y) → ((a·x + b·y + c) / w, (d·x + e·y + f) / w) with w = g·x + h·y + 1.</summary>
internal readonly record struct Homography(double A, double B, double C, double D, double E, double F, double G, double H)
{
    public Point2 Map(double x, double y)
    {
        var w = G * x + H * y + 1;
        return new Point2((A * x + B * y + C) / w, (D * x + E * y + F) / w);
    }

    public bool IsAffine => G == 0 && H == 0;

    /// <summary>Scales x by <paramref name="sx"/> and y by <paramref name="sy"/>, then shifts by (<paramref name="dx"/>, <paramref name="dy"/>).</summary>
    public static Homography Scale(double sx, double sy, double dx = 0, double dy = 0) => new(sx, 0, dx, 0, sy, dy, 0, 0);

    /// <summary>
    /// Maps the rectangle (0,0)–(<paramref name="width"/>,<paramref name="height"/>) onto <paramref name="quad"/>, corners in
    /// order top-left, top-right, bottom-right, bottom-left (as OpenCV's <c>getPerspectiveTransform</c> from the rectangle
    /// to the quad); the unit square part is Heckbert's closed form.
    /// </summary>
    public static Homography RectToQuad(double width, double height, ReadOnlySpan<Point2> quad)
    {
        if (quad.Length != 4) throw new ArgumentException("a quad has four corners", nameof(quad));
        var (p0, p1, p2, p3) = (quad[0], quad[1], quad[2], quad[3]);
        var s = p0 - p1 + p2 - p3;
        double a, b, d, e, g = 0, h = 0;
        if (Math.Abs(s.X) < 1e-9 && Math.Abs(s.Y) < 1e-9)
        {
            // A parallelogram: affine.
            (a, b, d, e) = (p1.X - p0.X, p3.X - p0.X, p1.Y - p0.Y, p3.Y - p0.Y);
        }
        else
        {
            var d1 = p1 - p2;
            var d2 = p3 - p2;
            var den = d1.Cross(d2);
            if (Math.Abs(den) < 1e-12)
                (a, b, d, e) = (p1.X - p0.X, p3.X - p0.X, p1.Y - p0.Y, p3.Y - p0.Y);
            else
            {
                g = s.Cross(d2) / den;
                h = d1.Cross(s) / den;
                (a, b, d, e) = (p1.X - p0.X + g * p1.X, p3.X - p0.X + h * p3.X, p1.Y - p0.Y + g * p1.Y, p3.Y - p0.Y + h * p3.Y);
            }
        }
        // Unit square → quad, preceded by rectangle → unit square.
        var (sx, sy) = (1 / Math.Max(width, 1e-9), 1 / Math.Max(height, 1e-9));
        return new Homography(a * sx, b * sy, p0.X, d * sx, e * sy, p0.Y, g * sx, h * sy);
    }
}
