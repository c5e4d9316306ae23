namespace Wanwu.IO;

/// <summary>
/// Whole files written through a temporary name, flushed to disk and renamed over the target, so a reader (or a run
/// resumed after kill -9) never sees half of one. The one place this is done.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    public static void Write(string path, Action<Stream> write) =>
        WriteAsync(path, stream => { write(stream); return Task.CompletedTask; }).GetAwaiter().GetResult();

    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>; I/O failures become <see cref="OutputException"/>.</summary>
    public static async Task WriteAsync(string path, Func<Stream, Task> write)
    {
        var tmp = path + ".tmp";
        try
        {
            await using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite))
            {
                await write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new OutputException($"Cannot write '{path}': {e.Message}", e);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
