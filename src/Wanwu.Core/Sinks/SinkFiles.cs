namespace Wanwu.Sinks;

/// <summary>File handling shared by sinks: creation and writes that turn I/O failures into <see cref="OutputException"/>.</summary>
public static class SinkFiles
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

    /// <summary>Writes a whole file through a temporary name and a rename, so readers never see half of it.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> data)
    {
        var tmp = path + ".tmp";
        try
        {
            File.WriteAllBytes(tmp, data.ToArray());
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"Cannot write '{path}': {e.Message}", e);
        }
    }
}
