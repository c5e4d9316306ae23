using System.Buffers;
using System.IO.Hashing;

namespace Wanwu.Decode;

/// <summary>
/// An image file read whole, once, into a pooled buffer and hashed (<see cref="ContentHash"/>) chunk by chunk as it is
/// read. The decoders are handed these bytes instead of opening the file themselves, so the hash costs no second read
/// and no second pass over memory: each chunk is hashed while it is still in the CPU's cache.
/// </summary>
internal sealed class FileBytes : IDisposable
{
    // Small enough to stay in a core's L2 cache between the read and the hash, large enough to be few system calls.
    private const int Chunk = 256 * 1024;

    private byte[]? _buffer;

    private FileBytes(byte[] buffer, int length, string? hash)
    {
        _buffer = buffer;
        Length = length;
        Hash = hash;
    }

    /// <summary>
    /// Counts the files read in the current flow of work, where a test sets it (a run of several models reads each file
    /// once); null, the default, counts nothing.
    /// </summary>
    internal static readonly AsyncLocal<System.Runtime.CompilerServices.StrongBox<long>?> Reads = new();

    public int Length { get; }

    /// <summary>The content hash of the bytes, or null where hashing was turned off.</summary>
    public string? Hash { get; }

    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    /// <summary>The pooled array under <see cref="Span"/> (longer than <see cref="Length"/>), for APIs that want an array.</summary>
    public byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(FileBytes));

    /// <summary>Reads the file at <paramref name="path"/> to its end (also if it grew since it was listed).</summary>
    /// <param name="path">The image file.</param>
    /// <param name="hash">Off only to measure what hashing costs (benchmarks/ContentHash).</param>
    /// <exception cref="IOException">The file could not be read.</exception>
    /// <exception cref="ImageException">The file is larger than one buffer can hold.</exception>
    public static FileBytes Read(string path, bool hash = true)
    {
        if (Reads.Value is { } reads) Interlocked.Increment(ref reads.Value);
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        var hasher = hash ? new XxHash128() : null;
        // One byte more than the file's length, so that the read that finds its end needs no larger buffer.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(RandomAccess.GetLength(file) + 1, Array.MaxLength));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length) buffer = Grow(buffer, path);
                var read = RandomAccess.Read(file, buffer.AsSpan(length, Math.Min(Chunk, buffer.Length - length)), length);
                if (read == 0) break;
                hasher?.Append(buffer.AsSpan(length, read));
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new FileBytes(buffer, length, hasher is null ? null : ContentHash.Format(hasher));
    }

    private static byte[] Grow(byte[] buffer, string path)
    {
        if (buffer.Length >= Array.MaxLength)
            throw new ImageException(ImageErrorTypes.TooLarge, $"the file is larger than {Array.MaxLength} bytes, more than wanwu reads into memory: {path}");
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, Array.MaxLength));
        buffer.CopyTo(larger, 0);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
    }
}
