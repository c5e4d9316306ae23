namespace Wanwu.Models;

/// <summary>Where fetched and converted models live: <c>$WANWU_HOME</c>, else <c>~/.cache/wanwu</c>.</summary>
internal static class ModelCache
{
    public static string DefaultRoot =>
        Environment.GetEnvironmentVariable("WANWU_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "wanwu");

    public static string ModelDir(string? root, string name) => Path.Combine(root ?? DefaultRoot, "models", name);

    /// <summary>
    /// <paramref name="target"/> once it holds a model card, else fills it through <paramref name="install"/> in a
    /// staging folder renamed at the end, so an interrupted fetch or conversion never leaves half a model in the cache.
    /// </summary>
    public static string Install(string target, Action<string> install) =>
        File.Exists(Path.Combine(target, ModelCard.FileName)) ? target : IO.StagedFolder.Create(target, install);

    /// <summary>
    /// A cache key that changes when any of <paramref name="files"/> changes (place, size, time) or <paramref name="salt"/>
    /// does, so a new download or other settings get their own cached conversion.
    /// </summary>
    public static string Key(string salt, IEnumerable<string> files, int length = 12)
    {
        var text = new System.Text.StringBuilder(salt);
        foreach (var file in files)
        {
            var info = new FileInfo(file);
            text.Append('|').Append(info.FullName).Append('|').Append(info.Length).Append('|').Append(info.LastWriteTimeUtc.Ticks);
        }
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())))[..length];
    }
}
