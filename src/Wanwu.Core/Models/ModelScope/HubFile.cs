using System.Text.Json;

namespace Wanwu.Models.ModelScope;

/// <summary>One entry of a ModelScope file listing (<c>Data.Files[i]</c>): a blob, or a folder when <see cref="Type"/> is <c>tree</c>.</summary>
internal sealed record HubFile(string Path, string Name, string Type, long Size, string? Sha256)
{
    public bool IsFolder => Type == "tree";

    /// <summary>Reads one listing entry; fields the hub leaves out get neutral values.</summary>
    public static HubFile FromJson(JsonElement e)
    {
        var path = Text(e, "Path") ?? Text(e, "Name") ?? "";
        var name = Text(e, "Name") ?? System.IO.Path.GetFileName(path);
        var size = e.TryGetProperty("Size", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : -1;
        var sha = Text(e, "Sha256") is { Length: 64 } hex && hex.All(Uri.IsHexDigit) ? hex.ToLowerInvariant() : null;
        return new HubFile(path, name, Text(e, "Type") ?? "blob", size, sha);
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
