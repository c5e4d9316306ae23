using Wanwu.Sources;

namespace Wanwu.Decode.Gpu;

/// <summary>
/// The decode stage of a model that runs on a GPU: a file nvJPEG can decode is read into memory and handed on as bytes
/// (the session's <see cref="NvJpegBatchDecoder"/> decodes and resizes it on the device); every other file — PNG,
/// CMYK, EXIF-rotated, too large, smaller than the input — is decoded on the CPU as on a CPU run, per image. While
/// <paramref name="deviceBehind"/> says the device has more decoded work waiting than it takes, JPEGs are decoded on the
/// CPU too: the cores would otherwise wait, and the GPU's decoder then has fewer images per batch.
/// </summary>
internal sealed class GpuImageLoader(PreprocessSpec spec, long maxPixels, bool hardware, ImageDecoder cpu, Func<bool>? deviceBehind = null)
{
    /// <summary>Files larger than this are left to the CPU path, which streams them instead of holding them whole.</summary>
    private const long MaxFileBytes = 64L << 20;

    public DecodedImage Load(InputItem item)
    {
        if (item.Stamp.Size is > 0 and <= MaxFileBytes && deviceBehind?.Invoke() != true)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(item.FullPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return cpu.Decode(item);  // the CPU path gives the proper error record
            }
            var (plan, fallback) = GpuRouting.Route(bytes, spec, maxPixels, hardware);
            if (plan is { } p && fallback is null)
                return new DecodedImage(item, [], spec.Width, spec.Height, p.SourceWidth, p.SourceHeight, p.Geometry) { Jpeg = bytes, Hash = ContentHash.Of(bytes) };
        }
        return cpu.Decode(item);
    }
}
