using System.Runtime.InteropServices;
using SkiaSharp;
using Wanwu.Sources;

namespace Wanwu.Decode;

/// <summary>
/// 8-bit colour or grey JPEGs, nearly every photo, decoded by libjpeg-turbo through Skia at the smallest DCT scale
/// that still covers the model's input, then rotated upright, resized and placed in one draw. libvips in one process
/// stops scaling past a few threads (on 16 cores: 315 1080p photos/s, its CPU time per image growing from 23 to 39 ms);
/// this path does 923 there (benchmarks/device-decode-threads.sh). Everything else (other formats, CMYK, 12-bit, photos
/// to be enlarged) and any file this path cannot read cleanly goes to libvips, which also gives the error records.
/// </summary>
internal static class JpegFastDecoder
{
    private static readonly float[] Scales = [1 / 8f, 2 / 8f, 3 / 8f, 4 / 8f, 5 / 8f, 6 / 8f, 7 / 8f, 1f];

    // A cubic filter: after DCT scaling at most about 2x is left to shrink.
    private static readonly SKSamplingOptions Sampling = new(SKCubicResampler.Mitchell);

    /// <summary>The image at the model's input size, or null where libvips should decode it.</summary>
    public static DecodedImage? TryDecode(FileBytes file, InputItem item, PreprocessSpec spec, long maxPixels) =>
        TryDecode(file, item, (_, _) => spec, maxPixels);

    /// <summary>The same, at a size chosen from the image's upright width and height (a run of several models).</summary>
    public static DecodedImage? TryDecode(FileBytes file, InputItem item, Func<int, int, PreprocessSpec> specFor, long maxPixels)
    {
        if (!IsColourOrGreyJpeg(file.Span)) return null;
        return SkiaCodec.Use(file, codec => codec is null ? null : Decode(codec, item, specFor, maxPixels));
    }

    private static DecodedImage? Decode(SKCodec codec, InputItem item, Func<int, int, PreprocessSpec> specFor, long maxPixels)
    {
        if (codec.EncodedFormat != SKEncodedImageFormat.Jpeg) return null;
        var (storedW, storedH) = (codec.Info.Width, codec.Info.Height);
        if ((long)storedW * storedH > maxPixels) return null;
        var origin = codec.EncodedOrigin;
        var transposed = origin >= SKEncodedOrigin.LeftTop;
        var (origW, origH) = transposed ? (storedH, storedW) : (storedW, storedH);
        var spec = specFor(origW, origH);
        var place = Placement.For(spec, origW, origH);
        // A photo smaller than the input is cheap to decode anyway; libvips enlarges it as it always has (its bilinear
        // enlargement is what the built-in detector's reference detections were checked against).
        if (place.Width > origW || place.Height > origH) return null;

        var (needW, needH) = transposed ? (place.Height, place.Width) : (place.Width, place.Height);
        var size = Scales.Select(codec.GetScaledDimensions).FirstOrDefault(d => d.Width >= needW && d.Height >= needH, codec.Info.Size);
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var decoded = new SKBitmap(info);
        if (codec.GetPixels(info, decoded.GetPixels()) != SKCodecResult.Success) return null;

        using var input = new SKBitmap(new SKImageInfo(spec.Width, spec.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(input))
        using (var image = SKImage.FromPixels(decoded.PeekPixels()))
        {
            canvas.Clear(new SKColor(spec.PadValue, spec.PadValue, spec.PadValue));
            var (uprightW, uprightH) = transposed ? (size.Height, size.Width) : (size.Width, size.Height);
            canvas.Translate(place.X, place.Y);
            canvas.Scale((float)place.Width / uprightW, (float)place.Height / uprightH);
            canvas.Concat(Upright(origin, size.Width, size.Height));
            canvas.DrawImage(image, 0, 0, Sampling);
        }
        return new DecodedImage(item, ToRgb(input), spec.Width, spec.Height, origW, origH, place.Geometry(origW, origH));
    }

    /// <summary>Maps stored pixels (w×h) to upright ones, for each EXIF orientation.</summary>
    private static SKMatrix Upright(SKEncodedOrigin origin, float w, float h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    private static byte[] ToRgb(SKBitmap rgba)
    {
        var src = MemoryMarshal.Cast<byte, uint>(rgba.GetPixelSpan());
        var rgb = new byte[src.Length * 3];
        for (var i = 0; i < src.Length; i++)
        {
            var p = src[i];  // little-endian RGBA
            rgb[3 * i] = (byte)p;
            rgb[3 * i + 1] = (byte)(p >> 8);
            rgb[3 * i + 2] = (byte)(p >> 16);
        }
        return rgb;
    }

    /// <summary>
    /// True for a JPEG whose frame has 8-bit samples and 1 or 3 components; CMYK and 12-bit files are left to libvips.
    /// Reads markers up to the frame header only.
    /// </summary>
    public static bool IsColourOrGreyJpeg(ReadOnlySpan<byte> b) => JpegHeader.Parse(b) is { IsColourOrGrey: true };
}
