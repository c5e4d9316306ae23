namespace Wanwu.Models.ModelScope;

/// <summary>Free space before a fetch, and a full disk told apart from other I/O errors while writing.</summary>
internal static class DiskSpace
{
    private const int Enospc = 28;                   // Linux errno, which .NET on Unix puts in HResult
    private const int ErrorDiskFull = 0x70;          // Windows ERROR_DISK_FULL
    private const int ErrorHandleDiskFull = 0x27;    // Windows ERROR_HANDLE_DISK_FULL

    /// <summary>Free bytes on the disk that holds <paramref name="dir"/>, or null where that cannot be measured.</summary>
    public static long? Free(string dir)
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(dir)).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static bool IsFull(IOException e) =>
        (e.HResult & 0xFFFF) is Enospc or ErrorDiskFull or ErrorHandleDiskFull || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    public static ModelLoadException FullError(string dir, string what, Exception inner) =>
        new($"The disk under {dir} is full while {what}. Free some space, or set WANWU_HOME to a folder on a bigger disk, and run again; finished downloads are kept.", inner);

    /// <summary>Refuses to start when the disk clearly cannot hold <paramref name="needed"/> more bytes.</summary>
    public static void Require(string dir, long needed, string what, Func<string, long>? measure = null)
    {
        Directory.CreateDirectory(dir);
        var free = measure is null ? Free(dir) : measure(dir);
        if (free is { } f && f < needed)
            throw new ModelLoadException(
                $"Not enough disk space under {dir} for {what}: it needs about {Size(needed)} and {Size(f)} is free. "
                + "Free some space, or set WANWU_HOME to a folder on a bigger disk.");
    }

    /// <summary>A size for people: bytes, kB or MB.</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 10_000 => $"{bytes} bytes",
        < 1_000_000 => $"{bytes / 1e3:0.#} kB",
        _ => $"{bytes / 1e6:0.#} MB",
    };
}
