using NetVips;
using SkiaSharp;

namespace Wanwu.Decode;

/// <summary>
/// Windows BMP, which the libvips build wanwu ships cannot load, decoded by Skia's BMP codec (Chrome's, fuzzed there:
/// palette, 16/24/32-bit, bit fields, RLE, top-down) into a libvips image for the usual resize. Dimensions are checked
/// before any large allocation.
/// </summary>
internal static class BmpReader
{
    public static bool IsBmp(ReadOnlySpan<byte> data) => data is [(byte)'B', (byte)'M', ..];

    public static Image Read(FileBytes file, long maxPixels) =>
        SkiaCodec.Use(file, codec => codec is { EncodedFormat: SKEncodedImageFormat.Bmp } ? Decode(codec, maxPixels) : throw Bad("not a BMP header"));

    private static Image Decode(SKCodec codec, long maxPixels)
    {
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if ((long)width * height > maxPixels)
            throw new ImageException(ImageErrorTypes.TooLarge, $"image claims {width}x{height} pixels, over the limit of {maxPixels} pixels (raise it with --max-pixels)");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        if (info.BytesSize64 > Array.MaxLength)
            throw new ImageException(ImageErrorTypes.TooLarge, $"image of {width}x{height} pixels is too large to decode in one piece");
        var rgba = new byte[info.BytesSize64];
        var result = codec.GetPixels(info, rgba);
        // Skia fills what a truncated file lacks; such a file is refused, as other decoders refuse theirs.
        if (result != SKCodecResult.Success)
            throw Bad(result == SKCodecResult.IncompleteInput ? "the pixel data is truncated" : $"Skia could not decode it ({result})");
        return Image.NewFromMemory(rgba, width, height, 4, Enums.BandFormat.Uchar);
    }

    private static ImageException Bad(string why) => new(ImageErrorTypes.DecodeError, $"BMP: {why}");
}
