namespace Wanwu.Ocr;

/// <summary>8-bit RGB pixels, interleaved, row-major: <c>Width*Height*3</c> bytes.</summary>
internal readonly record struct RgbImage(byte[] Pixels, int Width, int Height)
{
    public static RgbImage Blank(int width, int height) => new(new byte[width * height * 3], width, height);

    /// <summary>This image turned half a circle (a line of text the direction classifier found upside down).</summary>
    public RgbImage Rotated180()
    {
        var result = new byte[Pixels.Length];
        var pixels = Width * Height;
        for (var i = 0; i < pixels; i++)
        {
            var j = (pixels - 1 - i) * 3;
            result[j] = Pixels[i * 3];
            result[j + 1] = Pixels[i * 3 + 1];
            result[j + 2] = Pixels[i * 3 + 2];
        }
        return new RgbImage(result, Width, Height);
    }
}
