namespace Wanwu.Ocr;

/// <summary>One line of text read in an image, in original-image pixels (after EXIF rotation).</summary>
/// <param name="Text">What it says.</param>
/// <param name="Score">Mean probability of its characters, 0..1.</param>
/// <param name="Box">[x1, y1, x2, y2]: the axis-aligned box around <paramref name="Polygon"/>.</param>
/// <param name="Polygon">The four corners [x, y] of the (possibly turned) text box: top-left, top-right, bottom-right, bottom-left.</param>
internal sealed record TextLine(string Text, float Score, float[] Box, float[][] Polygon);
