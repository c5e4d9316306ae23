namespace Wanwu.Ocr;

/// <summary>A point or a vector in pixels (x right, y down).</summary>
internal readonly record struct Point2(double X, double Y)
{
    public static Point2 operator +(Point2 a, Point2 b) => new(a.X + b.X, a.Y + b.Y);
    public static Point2 operator -(Point2 a, Point2 b) => new(a.X - b.X, a.Y - b.Y);
    public static Point2 operator *(Point2 a, double s) => new(a.X * s, a.Y * s);

    /// <summary>The z of the cross product: positive when <paramref name="other"/> turns counter-clockwise in x-right, y-up axes.</summary>
    public double Cross(Point2 other) => X * other.Y - Y * other.X;

    public double Dot(Point2 other) => X * other.X + Y * other.Y;

    public double Length => Math.Sqrt(X * X + Y * Y);

    public static double Distance(Point2 a, Point2 b) => (a - b).Length;
}
