using Wanwu.Sources;

namespace Wanwu.Decode.Gpu;

/// <summary>
/// The decode stage of a model that runs on a GPU: a file nvJPEG can decode is read into memory and handed on as bytes
/// (the session's <see cref="NvJpegBatchDecoder"/> decodes and resizes it on the device); every other file — PNG,
/// CMYK, EXIF-rotated, too large, smaller than the input — is decoded on the CPU as on a CPU run, per image. Which way
/// a file goes depends on the file alone, so two runs give the same records (letting the CPU take JPEGs too while the
/// GPU was behind made them depend on timing, and a CPU share of JPEGs never raised the rate on an H100: docs/benchmarks.md).
/// </summary>
internal sealed class GpuImageLoader(PreprocessSpec spec, long maxPixels, bool hardware, ImageDecoder cpu)
{
    /// <summary>Files larger than this are left to the CPU path, which streams them instead of holding them whole.</summary>
    private const long MaxFileBytes = 64L << 20;

    /// <summary>
    /// <c>WANWU_CPU_JPEG_SHARE=0.3</c>: that share of JPEGs is decoded on the CPU, for measuring how the two decoders
    /// are best balanced (benchmarks/device-gpu.sh sweep); which ones depends on timing.
    /// </summary>
    private static readonly double CpuShare =
        double.TryParse(Environment.GetEnvironmentVariable("WANWU_CPU_JPEG_SHARE"), System.Globalization.CultureInfo.InvariantCulture, out var share) ? Math.Clamp(share, 0, 1) : 0;

    private long _seen;

    /// <summary>Whether this image is one of <see cref="CpuShare"/> (spread evenly: every k-th).</summary>
    private bool CpuTakes()
    {
        if (CpuShare <= 0) return false;
        var n = Interlocked.Increment(ref _seen);
        return Math.Floor(n * CpuShare) != Math.Floor((n - 1) * CpuShare);
    }

    public DecodedImage Load(InputItem item)
    {
        if (item.Stamp.Size is > 0 and <= MaxFileBytes && !CpuTakes())
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
