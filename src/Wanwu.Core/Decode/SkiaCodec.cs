using System.Runtime.InteropServices;
using SkiaSharp;

namespace Wanwu.Decode;

/// <summary>A Skia codec over the bytes wanwu already read (and hashed), in place: pinned for as long as the codec lives.</summary>
internal static class SkiaCodec
{
    /// <summary>Calls <paramref name="decode"/> with a codec for <paramref name="file"/>, or null where Skia knows no such format.</summary>
    public static T Use<T>(FileBytes file, Func<SKCodec?, T> decode)
    {
        var pin = GCHandle.Alloc(file.Buffer, GCHandleType.Pinned);
        try
        {
            using var data = SKData.Create(pin.AddrOfPinnedObject(), file.Length);
            using var codec = SKCodec.Create(data);
            return decode(codec);
        }
        finally
        {
            pin.Free();
        }
    }
}
