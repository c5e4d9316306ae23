namespace Wanwu.Models;

/// <summary>Where fetched and converted models live: <c>$WANWU_HOME</c>, else <c>~/.cache/wanwu</c>.</summary>
public static class ModelCache
{
    public static string DefaultRoot =>
        Environment.GetEnvironmentVariable("WANWU_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "wanwu");

    public static string ModelDir(string? root, string name) => Path.Combine(root ?? DefaultRoot, "models", name);
}
