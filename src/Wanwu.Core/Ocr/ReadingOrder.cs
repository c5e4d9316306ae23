namespace Wanwu.Ocr;

/// <summary>
/// Reading order of text boxes as PaddleOCR's <c>sorted_boxes</c>: by the top-left corner, top to bottom, then boxes whose
/// top-left corners are less than 10 pixels apart vertically are one line, read left to right.
/// </summary>
internal static class ReadingOrder
{
    /// <summary>Boxes nearer than this vertically (original pixels) are on one line.</summary>
    public const double SameLine = 10;

    /// <summary>The indices of <paramref name="topLeft"/> in reading order.</summary>
    public static int[] Sort(IReadOnlyList<Point2> topLeft)
    {
        var order = Enumerable.Range(0, topLeft.Count).OrderBy(i => topLeft[i].Y).ThenBy(i => topLeft[i].X).ToArray();
        for (var i = 0; i < order.Length - 1; i++)
        {
            // Bubble the next box back past boxes of its line that lie right of it.
            for (var j = i; j >= 0; j--)
            {
                var (a, b) = (topLeft[order[j]], topLeft[order[j + 1]]);
                if (Math.Abs(b.Y - a.Y) < SameLine && b.X < a.X) (order[j], order[j + 1]) = (order[j + 1], order[j]);
                else break;
            }
        }
        return order;
    }
}
