namespace Wanwu.Decode.Gpu;

/// <summary>Why an image is decoded on the CPU rather than by nvJPEG.</summary>
internal enum GpuFallbackReason
{
    /// <summary>Not a JPEG (PNG, WebP, …) or no frame header in its markers.</summary>
    NotJpeg,
    /// <summary>Lossless, hierarchical or arithmetic-coded JPEG: nvJPEG decodes Huffman DCT JPEGs only.</summary>
    UnsupportedCoding,
    /// <summary>12- or 16-bit samples.</summary>
    NotEightBit,
    /// <summary>CMYK or YCCK (4 components).</summary>
    Cmyk,
    /// <summary>One component: left to the CPU until the GPU's grey-to-RGB output is checked against it.</summary>
    Grey,
    /// <summary>Three components stored as RGB, not YCbCr (Adobe transform 0): nvJPEG would convert them as YCbCr.</summary>
    RgbCoded,
    /// <summary>EXIF orientation other than upright (the GPU path does not turn images).</summary>
    Rotated,
    /// <summary>An EXIF block whose orientation cannot be read: the CPU decoder decides.</summary>
    UnreadableExif,
    /// <summary>More pixels than the limit: the CPU path refuses it with its error record.</summary>
    TooLarge,
    /// <summary>Smaller than the model's input somewhere: enlarged by libvips on the CPU, as always.</summary>
    Enlarged,
    /// <summary>No end-of-image marker at the end: cut short, or other data after the image.</summary>
    NoEndMarker,
    /// <summary>The hardware decoder cannot take it (progressive, or a subsampling it lacks).</summary>
    HardwareUnsupported,
    /// <summary>Decoded, it would not fit in the decoder's device buffer.</summary>
    TooLargeForBuffer,
    /// <summary>nvJPEG returned an error for it: the CPU path decodes it or writes its error record.</summary>
    NvJpegError,
}

/// <summary>An image left to the CPU, and why.</summary>
internal sealed record GpuFallback(GpuFallbackReason Reason, string Detail)
{
    /// <summary>Short name for counting, e.g. <c>rotated</c>.</summary>
    public string Name => Names(Reason);

    internal static string Names(GpuFallbackReason reason) => reason switch
    {
        GpuFallbackReason.NotJpeg => "not_jpeg",
        GpuFallbackReason.UnsupportedCoding => "unsupported_coding",
        GpuFallbackReason.NotEightBit => "not_8_bit",
        GpuFallbackReason.Cmyk => "cmyk",
        GpuFallbackReason.Grey => "grey",
        GpuFallbackReason.RgbCoded => "rgb_coded",
        GpuFallbackReason.Rotated => "rotated",
        GpuFallbackReason.UnreadableExif => "unreadable_exif",
        GpuFallbackReason.TooLarge => "too_large",
        GpuFallbackReason.Enlarged => "enlarged",
        GpuFallbackReason.NoEndMarker => "no_end_marker",
        GpuFallbackReason.HardwareUnsupported => "hardware_unsupported",
        GpuFallbackReason.TooLargeForBuffer => "too_large_for_buffer",
        _ => "nvjpeg_error",
    };
}

/// <summary>
/// Which files the GPU decodes, decided from their bytes alone (markers, EXIF, size) so that it can be tested without
/// a GPU. It sends to the GPU exactly the files the CPU's fast path (<see cref="JpegFastDecoder"/>) would take upright
/// and shrink, and nothing whose pixels nvJPEG would get wrong; everything else goes to the CPU as today.
/// </summary>
internal static class GpuRouting
{
    /// <summary>
    /// The resize plan for the GPU, or why the file goes to the CPU. With <paramref name="hardware"/> (nvJPEG's hardware
    /// decoder, which takes single-scan baseline files only) progressive files go to the CPU too; nvJPEG's own check
    /// (nvjpegDecodeBatchedSupported) still follows on the GPU.
    /// </summary>
    public static (GpuResizePlan? Plan, GpuFallback? Fallback) Route(ReadOnlySpan<byte> file, PreprocessSpec spec, long maxPixels, bool hardware)
    {
        static (GpuResizePlan?, GpuFallback?) Cpu(GpuFallbackReason reason, string detail) => (null, new GpuFallback(reason, detail));

        // The whole file is at hand: markers before the frame are read however long they are (CMYK profiles pass 64 KiB).
        var header = JpegHeader.Parse(file);
        if (header is null) return Cpu(GpuFallbackReason.NotJpeg, "no JPEG frame header");
        if (header.FrameMarker is not (0xC0 or 0xC1 or 0xC2))
            return Cpu(GpuFallbackReason.UnsupportedCoding, $"JPEG coding SOF{header.FrameMarker - 0xC0} (lossless, hierarchical or arithmetic)");
        if (header.Precision != 8) return Cpu(GpuFallbackReason.NotEightBit, $"{header.Precision}-bit samples");
        if (header.Components == 4) return Cpu(GpuFallbackReason.Cmyk, "4 components (CMYK or YCCK)");
        if (header.Components == 1) return Cpu(GpuFallbackReason.Grey, "one component (grey)");
        if (header.Components != 3) return Cpu(GpuFallbackReason.UnsupportedCoding, $"{header.Components} components");
        if (header.IsRgbCoded) return Cpu(GpuFallbackReason.RgbCoded, "components stored as RGB, not YCbCr");
        if (header.Orientation == 0) return Cpu(GpuFallbackReason.UnreadableExif, "EXIF block without a readable orientation");
        if (header.Orientation != 1) return Cpu(GpuFallbackReason.Rotated, $"EXIF orientation {header.Orientation}");
        if (hardware && header.FrameMarker == 0xC2) return Cpu(GpuFallbackReason.HardwareUnsupported, "progressive JPEG: the hardware decoder takes baseline files only");
        var (w, h) = (header.Width, header.Height);
        if (w <= 0 || h <= 0) return Cpu(GpuFallbackReason.UnsupportedCoding, "no height in the frame header (DNL)");
        if ((long)w * h > maxPixels) return Cpu(GpuFallbackReason.TooLarge, $"{w}x{h} pixels, over the limit of {maxPixels}");
        var place = Placement.For(spec, w, h);
        // As JpegFastDecoder: a photo smaller than the input is enlarged by libvips (NPP's resize also needs 2 pixels).
        if (place.Width > w || place.Height > h || w < 2 || h < 2)
            return Cpu(GpuFallbackReason.Enlarged, $"{w}x{h} is enlarged to {place.Width}x{place.Height}");
        if (!JpegHeader.EndsWithEndOfImage(file)) return Cpu(GpuFallbackReason.NoEndMarker, "no end-of-image marker at the end of the file");
        return (new GpuResizePlan(w, h, place, spec.Width, spec.Height, spec.PadValue), null);
    }
}
