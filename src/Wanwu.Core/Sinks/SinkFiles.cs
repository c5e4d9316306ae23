namespace Wanwu.Sinks;

/// <summary>File handling shared by sinks: creation and writes that turn I/O failures into <see cref="OutputException"/>.</summary>
internal static class SinkFiles
{
    public static FileStream Create(string path, bool append = false)
    {
        try
        {
            return new FileStream(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"Cannot write '{path}': {e.Message}", e);
        }
    }

    public static async ValueTask WriteAsync(FileStream file, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        try
        {
            await file.WriteAsync(data, ct);
            // To the disk, not just the OS: a batch reported done must survive a power loss.
            file.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            throw new OutputException($"Cannot write '{file.Name}': {e.Message}", e);
        }
    }

    public static void Write(FileStream file, ReadOnlySpan<byte> data)
    {
        try
        {
            file.Write(data);
            file.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            throw new OutputException($"Cannot write '{file.Name}': {e.Message}", e);
        }
    }

    public static async ValueTask CloseAsync(FileStream file)
    {
        try
        {
            await file.DisposeAsync();
        }
        catch (IOException e)
        {
            throw new OutputException($"Cannot write '{file.Name}': {e.Message}", e);
        }
    }
}
