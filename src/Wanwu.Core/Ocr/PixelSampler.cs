namespace Wanwu.Ocr;

/// <summary>
/// Resampling for OCR: resizing for the detector and cutting a turned text box out as an upright strip are both one
/// map from output pixels to source pixels, sampled bilinearly; where the output is much smaller than the source,
/// several samples per output pixel are averaged so thin strokes do not alias away.
/// </summary>
internal static class PixelSampler
{
    /// <summary>Samples per axis and output pixel: enough that samples land about a source pixel apart, at most 8.</summary>
    public static int Supersampling(double sourcePixelsPerOutputPixel) =>
        Math.Clamp((int)Math.Ceiling(sourcePixelsPerOutputPixel - 1e-6), 1, 8);

    /// <summary>
    /// An <paramref name="width"/>×<paramref name="height"/> image whose pixel (i, j) averages <paramref name="supersample"/>²
    /// points of the unit square at (i, j), each mapped by <paramref name="map"/> into <paramref name="source"/> (both in
    /// continuous coordinates, pixel centres at +0.5) and read bilinearly; outside the source its edge pixels repeat.
    /// </summary>
    public static RgbImage Warp(RgbImage source, Homography map, int width, int height, int supersample = 1)
    {
        var output = RgbImage.Blank(width, height);
        if (source.Width <= 0 || source.Height <= 0) return output;
        var k = Math.Max(1, supersample);
        var step = 1.0 / k;
        var weight = 1.0 / (k * k);
        var dst = output.Pixels;
        for (var j = 0; j < height; j++)
        {
            var row = j * width * 3;
            for (var i = 0; i < width; i++)
            {
                double r = 0, g = 0, b = 0;
                for (var sy = 0; sy < k; sy++)
                {
                    var y = j + (sy + 0.5) * step;
                    for (var sx = 0; sx < k; sx++)
                    {
                        var p = map.Map(i + (sx + 0.5) * step, y);
                        Bilinear(source, p.X - 0.5, p.Y - 0.5, ref r, ref g, ref b);
                    }
                }
                var o = row + i * 3;
                dst[o] = (byte)Math.Clamp(r * weight + 0.5, 0, 255);
                dst[o + 1] = (byte)Math.Clamp(g * weight + 0.5, 0, 255);
                dst[o + 2] = (byte)Math.Clamp(b * weight + 0.5, 0, 255);
            }
        }
        return output;
    }

    /// <summary>
    /// Resizes the window (x0, y0, sourceWidth × sourceHeight) of <paramref name="source"/> to
    /// <paramref name="width"/>×<paramref name="height"/>: the same samples as <see cref="Warp"/> with a scaling map, but
    /// an axis-aligned scale lets them be taken one axis after the other (bilinear weights and the grid of samples are
    /// both products), about ten times faster on a detector-sized image.
    /// </summary>
    public static RgbImage Resize(RgbImage source, int width, int height, double x0 = 0, double y0 = 0, double? sourceWidth = null, double? sourceHeight = null)
    {
        var output = RgbImage.Blank(width, height);
        if (source.Width <= 0 || source.Height <= 0 || width <= 0 || height <= 0) return output;
        var (sx, sy) = ((sourceWidth ?? source.Width) / width, (sourceHeight ?? source.Height) / height);
        var columns = Taps(width, sx, x0, source.Width);
        var rows = Taps(height, sy, y0, source.Height);
        var firstRow = rows.Min(t => t.First);
        var lastRow = rows.Max(t => t.First + t.Weights.Length - 1);

        // Across each source row the output needs, then down the columns.
        var stride = width * 3;
        var across = new float[(lastRow - firstRow + 1) * stride];
        var px = source.Pixels;
        for (var r = firstRow; r <= lastRow; r++)
        {
            var src = r * source.Width * 3;
            var dst = (r - firstRow) * stride;
            for (var i = 0; i < width; i++)
            {
                var (first, weights) = columns[i];
                float red = 0, green = 0, blue = 0;
                for (var t = 0; t < weights.Length; t++)
                {
                    var o = src + (first + t) * 3;
                    red += px[o] * weights[t];
                    green += px[o + 1] * weights[t];
                    blue += px[o + 2] * weights[t];
                }
                across[dst + i * 3] = red;
                across[dst + i * 3 + 1] = green;
                across[dst + i * 3 + 2] = blue;
            }
        }
        var result = output.Pixels;
        var sum = new float[stride];
        for (var j = 0; j < height; j++)
        {
            var (first, weights) = rows[j];
            Array.Clear(sum);
            for (var t = 0; t < weights.Length; t++)
            {
                var row = (first + t - firstRow) * stride;
                var weight = weights[t];
                for (var i = 0; i < stride; i++) sum[i] += across[row + i] * weight;
            }
            for (var i = 0; i < stride; i++) result[j * stride + i] = (byte)Math.Clamp(sum[i] + 0.5f, 0, 255);
        }
        return output;
    }

    /// <summary>
    /// For each of <paramref name="count"/> outputs along one axis, the source pixels it reads and their weights: the
    /// average of the linear readings at its supersampled positions (continuous coordinates, edge pixels repeated).
    /// </summary>
    private static (int First, float[] Weights)[] Taps(int count, double scale, double offset, int sourceCount)
    {
        var k = Supersampling(scale);
        var taps = new (int, float[])[count];
        for (var i = 0; i < count; i++)
        {
            var positions = new double[k];
            for (var s = 0; s < k; s++) positions[s] = Math.Clamp(offset + (i + (s + 0.5) / k) * scale - 0.5, 0, sourceCount - 1);
            var first = (int)positions.Min();
            var weights = new float[Math.Min(sourceCount - 1, (int)positions.Max() + 1) - first + 1];
            foreach (var x in positions)
            {
                var x0 = (int)x;
                var f = x - x0;
                weights[x0 - first] += (float)((1 - f) / k);
                if (f > 0) weights[Math.Min(x0 + 1, sourceCount - 1) - first] += (float)(f / k);
            }
            taps[i] = (first, weights);
        }
        return taps;
    }

    /// <summary>Adds the bilinear reading of index coordinates (x, y), clamped to the image, to r, g, b.</summary>
    private static void Bilinear(RgbImage image, double x, double y, ref double r, ref double g, ref double b)
    {
        var (w, h) = (image.Width, image.Height);
        x = Math.Clamp(x, 0, w - 1);
        y = Math.Clamp(y, 0, h - 1);
        var x0 = (int)x;
        var y0 = (int)y;
        var x1 = Math.Min(x0 + 1, w - 1);
        var y1 = Math.Min(y0 + 1, h - 1);
        var fx = x - x0;
        var fy = y - y0;
        var px = image.Pixels;
        var i00 = (y0 * w + x0) * 3;
        var i10 = (y0 * w + x1) * 3;
        var i01 = (y1 * w + x0) * 3;
        var i11 = (y1 * w + x1) * 3;
        var w00 = (1 - fx) * (1 - fy);
        var w10 = fx * (1 - fy);
        var w01 = (1 - fx) * fy;
        var w11 = fx * fy;
        r += px[i00] * w00 + px[i10] * w10 + px[i01] * w01 + px[i11] * w11;
        g += px[i00 + 1] * w00 + px[i10 + 1] * w10 + px[i01 + 1] * w01 + px[i11 + 1] * w11;
        b += px[i00 + 2] * w00 + px[i10 + 2] * w10 + px[i01 + 2] * w01 + px[i11 + 2] * w11;
    }
}
