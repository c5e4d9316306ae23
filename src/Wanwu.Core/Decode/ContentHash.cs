using System.Globalization;
using System.IO.Hashing;

namespace Wanwu.Decode;

/// <summary>
/// The content hash a record carries: <c>xxh128:</c> and the 32 lowercase hex digits of the XxHash128 of the file's
/// bytes (seed 0, canonical big-endian order, as <c>xxhsum -H2</c> prints it). Equal hashes mean the same bytes: an
/// exact duplicate, not a similar picture.
/// </summary>
internal static class ContentHash
{
    public const string Prefix = "xxh128:";

    public static string Format(XxHash128 hash)
    {
        Span<byte> digest = stackalloc byte[16];
        hash.GetCurrentHash(digest);
        return Prefix + Convert.ToHexStringLower(digest);
    }

    /// <summary>The hash of bytes held whole (a file read for the GPU's decoder).</summary>
    public static string Of(ReadOnlySpan<byte> bytes)
    {
        var hash = new XxHash128();
        hash.Append(bytes);
        return Format(hash);
    }

    /// <summary>The 128-bit value of a hash written by <see cref="Format"/>, or false for anything else.</summary>
    public static bool TryParse(string? text, out UInt128 value)
    {
        value = default;
        return text is { Length: 39 } && text.StartsWith(Prefix, StringComparison.Ordinal) &&
            UInt128.TryParse(text.AsSpan(Prefix.Length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
