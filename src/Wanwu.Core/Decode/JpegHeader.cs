using System.Buffers.Binary;

namespace Wanwu.Decode;

/// <summary>
/// What a JPEG's markers say before the image data: the frame (SOFn: coding, precision, size, components), the EXIF
/// orientation (APP1) and Adobe's colour transform (APP14). Read from the first bytes of a file, without decoding;
/// the CPU decoders use it to pick a decoder and the GPU decoder to route files (<see cref="Gpu.GpuRouting"/>).
/// </summary>
/// <param name="FrameMarker">The SOFn marker: 0xC0 baseline, 0xC1 extended, 0xC2 progressive, 0xC3 lossless, 0xC9.. arithmetic.</param>
/// <param name="Precision">Bits per sample (8 or 12 in practice).</param>
/// <param name="Width">Stored width (before EXIF rotation).</param>
/// <param name="Height">Stored height; 0 where a DNL marker gives it later.</param>
/// <param name="ComponentIds">Component identifiers in frame order (1, 2, 3 for YCbCr; 'R', 'G', 'B' for RGB-coded files).</param>
/// <param name="Orientation">EXIF orientation 1..8; 1 where there is no EXIF; 0 where an EXIF block is there but unreadable.</param>
/// <param name="AdobeTransform">Adobe APP14 colour transform (0 none, 1 YCbCr, 2 YCCK), or -1 without that marker.</param>
internal sealed record JpegHeader(byte FrameMarker, int Precision, int Width, int Height, byte[] ComponentIds, int Orientation, int AdobeTransform)
{
    public int Components => ComponentIds.Length;

    /// <summary>8-bit samples, 1 or 3 components: what libjpeg-turbo through Skia decodes (<see cref="JpegFastDecoder"/>).</summary>
    public bool IsColourOrGrey => Precision == 8 && Components is 1 or 3;

    /// <summary>Three components stored as RGB rather than YCbCr (Adobe transform 0, or components named R, G, B), as libjpeg reads them.</summary>
    public bool IsRgbCoded => Components == 3 && (AdobeTransform == 0 || ComponentIds is [(byte)'R', (byte)'G', (byte)'B']);

    /// <summary>
    /// Parses the markers in <paramref name="data"/> (the start of a file) up to the frame header. Null when the bytes do
    /// not start a JPEG, a marker is malformed, or no frame header lies within them.
    /// </summary>
    public static JpegHeader? Parse(ReadOnlySpan<byte> data)
    {
        var b = data;
        if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8) return null;
        var orientation = 1;
        var adobe = -1;
        for (var i = 2; i + 9 < b.Length;)
        {
            if (b[i] != 0xFF) return null;
            var marker = b[i + 1];
            if (marker == 0xFF) { i++; continue; }
            var length = (b[i + 2] << 8) | b[i + 3];
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                var count = b[i + 9];
                var ids = new byte[count];
                // Each component is 3 bytes (id, sampling factors, table) after the 10 bytes up to the count.
                for (var c = 0; c < count && i + 10 + 3 * c < b.Length; c++) ids[c] = b[i + 10 + 3 * c];
                return new JpegHeader(marker, b[i + 4], (b[i + 7] << 8) | b[i + 8], (b[i + 5] << 8) | b[i + 6], ids, orientation, adobe);
            }
            var end = Math.Min(b.Length, i + 2 + length);
            var body = length >= 2 && i + 4 <= end ? b[(i + 4)..end] : [];
            if (marker == 0xE1 && orientation == 1 && body.StartsWith("Exif\0\0"u8)) orientation = ExifOrientation(body[6..]);
            if (marker == 0xEE && body.Length >= 12 && body.StartsWith("Adobe"u8)) adobe = body[11];
            i += 2 + length;
        }
        return null;
    }

    /// <summary>Reads the first 64 KiB of a file and parses them (see <see cref="Parse"/>).</summary>
    public static JpegHeader? Read(string path)
    {
        Span<byte> buf = stackalloc byte[65536];
        int n;
        using (var f = File.OpenHandle(path)) n = RandomAccess.Read(f, buf, 0);
        return Parse(buf[..n]);
    }

    /// <summary>
    /// True when the file ends with the end-of-image marker (FF D9), trailing zero padding allowed: a file cut short
    /// (or carrying other data after its image) does not.
    /// </summary>
    public static bool EndsWithEndOfImage(ReadOnlySpan<byte> file)
    {
        var end = file.Length;
        while (end > 2 && file.Length - end < 4096 && file[end - 1] == 0) end--;
        return end >= 4 && file[end - 2] == 0xFF && file[end - 1] == 0xD9;
    }

    /// <summary>Orientation (tag 0x0112 of IFD0) from a TIFF block; 1 if absent, 0 if the block is malformed.</summary>
    private static int ExifOrientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8) return 0;
        var little = tiff[0] == (byte)'I' && tiff[1] == (byte)'I';
        if (!little && !(tiff[0] == (byte)'M' && tiff[1] == (byte)'M')) return 0;
        if (U16(tiff, 2, little) != 42) return 0;
        var ifd = U32(tiff, 4, little);
        if (ifd > (uint)tiff.Length - 2) return 0;
        var entries = U16(tiff, (int)ifd, little);
        for (var e = 0; e < entries; e++)
        {
            var at = (int)ifd + 2 + 12 * e;
            if (at + 12 > tiff.Length) return 0;
            if (U16(tiff, at, little) != 0x0112) continue;
            // SHORT (type 3), one value, held in the first two bytes of the value field.
            return U16(tiff, at + 2, little) == 3 && U32(tiff, at + 4, little) >= 1 ? U16(tiff, at + 8, little) : 0;
        }
        return 1;
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt16BigEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt32BigEndian(b[at..]);
}
