using System.Buffers.Binary;
using NetVips;

namespace Wanwu.Decode;

/// <summary>
/// Windows BMP, which the libvips build wanwu ships cannot load: uncompressed 1/4/8-bit palette, 16/24/32-bit and
/// bit-field images, bottom-up or top-down, read into a libvips image. Dimensions are checked before any large allocation.
/// </summary>
internal static class BmpReader
{
    public static bool IsBmp(ReadOnlySpan<byte> data) => data is [(byte)'B', (byte)'M', ..];

    public static Image Read(ReadOnlySpan<byte> data, long maxPixels)
    {
        if (data.Length < 54) throw Bad("the header is truncated");
        var pixelOffset = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(10));
        var headerSize = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(14));
        if (headerSize < 40) throw Bad("only BITMAPINFOHEADER and later are read");
        var width = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(18));
        var rawHeight = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(22));
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(28));
        var compression = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(30));
        var colours = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(46));
        var topDown = rawHeight < 0;
        var height = Math.Abs((long)rawHeight);
        if (width <= 0 || height <= 0) throw Bad($"size {width}x{height} is not valid");
        if (width * height > maxPixels)
            throw new ImageException(ImageErrorTypes.TooLarge, $"image claims {width}x{height} pixels, over the limit of {maxPixels} pixels (raise it with --max-pixels)");
        if (compression is not (0 or 3)) throw Bad($"compression {compression} (RLE/JPEG/PNG in BMP) is not supported");

        var stride = (int)(((long)width * bits + 31) / 32 * 4);
        if (pixelOffset < 0 || pixelOffset + (long)stride * height > data.Length) throw Bad("the pixel data is truncated");
        var (rMask, gMask, bMask) = bits == 16 ? (0x7C00u, 0x03E0u, 0x001Fu) : (0x00FF0000u, 0x0000FF00u, 0x000000FFu);
        if (compression == 3 && data.Length >= 66)
            (rMask, gMask, bMask) = (BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(54)), BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(58)), BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(62)));
        var palette = bits <= 8 ? ReadPalette(data, 14 + headerSize, colours == 0 ? 1 << bits : colours) : [];

        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            var row = data.Slice(pixelOffset + (int)((topDown ? y : height - 1 - y) * stride), stride);
            for (var x = 0; x < width; x++)
            {
                var o = (int)((y * width + x) * 3);
                switch (bits)
                {
                    case 24: rgb[o] = row[3 * x + 2]; rgb[o + 1] = row[3 * x + 1]; rgb[o + 2] = row[3 * x]; break;
                    case 32 or 16:
                    {
                        var v = bits == 32 ? BinaryPrimitives.ReadUInt32LittleEndian(row[(4 * x)..]) : BinaryPrimitives.ReadUInt16LittleEndian(row[(2 * x)..]);
                        rgb[o] = Channel(v, rMask); rgb[o + 1] = Channel(v, gMask); rgb[o + 2] = Channel(v, bMask);
                        break;
                    }
                    case 1 or 4 or 8:
                    {
                        var perByte = 8 / bits;
                        var index = (row[x / perByte] >> ((perByte - 1 - x % perByte) * bits)) & ((1 << bits) - 1);
                        var c = index < palette.Length ? palette[index] : ((byte)0, (byte)0, (byte)0);
                        (rgb[o], rgb[o + 1], rgb[o + 2]) = c;
                        break;
                    }
                    default: throw Bad($"{bits} bits per pixel is not supported");
                }
            }
        }
        return Image.NewFromMemory(rgb, width, (int)height, 3, Enums.BandFormat.Uchar);
    }

    private static (byte, byte, byte)[] ReadPalette(ReadOnlySpan<byte> data, int at, int count)
    {
        count = Math.Clamp(count, 0, 256);
        if (at + count * 4 > data.Length) throw Bad("the palette is truncated");
        var palette = new (byte, byte, byte)[count];
        for (var i = 0; i < count; i++) palette[i] = (data[at + 4 * i + 2], data[at + 4 * i + 1], data[at + 4 * i]);
        return palette;
    }

    private static byte Channel(uint value, uint mask)
    {
        if (mask == 0) return 0;
        var shift = System.Numerics.BitOperations.TrailingZeroCount(mask);
        var max = mask >> shift;
        return (byte)(((value & mask) >> shift) * 255 / max);
    }

    private static ImageException Bad(string why) => new(ImageErrorTypes.DecodeError, $"BMP: {why}");
}
