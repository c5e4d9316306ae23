namespace Wanwu.Sources;

/// <summary>One image to tag: the path as reported in results, the path used to open it, and its size and time when listed.</summary>
/// <param name="Path">Relative to the input root it was found under, or as given.</param>
/// <param name="FullPath">Absolute path on disk.</param>
/// <param name="Stamp">Size and modification time, so a resumed run can tell a changed file from a tagged one.</param>
internal sealed record InputItem(string Path, string FullPath, FileStamp Stamp)
{
    public InputItem(string path, string fullPath) : this(path, fullPath, FileStamp.Of(fullPath)) { }
}

/// <summary>A file's size in bytes and last write time in Unix milliseconds; size -1 for a file that cannot be read.</summary>
internal readonly record struct FileStamp(long Size, long MtimeMs)
{
    public static FileStamp Of(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(info.Length, new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds()) : new FileStamp(-1, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new FileStamp(-1, 0);
        }
    }
}
