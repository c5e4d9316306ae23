namespace Wanwu.Sinks;

/// <summary>One JSON file per image under <c>json/</c>, mirroring the input's relative path: what the old per-image scripts wrote.</summary>
internal sealed class PerImageJsonSink(OutputFolder folder) : IResultSink
{
    /// <summary>Where the record of the image at <paramref name="path"/> goes; stays inside json/ whatever the path holds.</summary>
    public string PathFor(string path)
    {
        var rel = path.Replace('\\', '/').TrimStart('/');
        var parts = rel.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(p => p is ".." or "." ? "_" : p.Replace(':', '_'));
        return Path.Combine(folder.Json, Path.Combine([.. parts])) + ".json";
    }

    public ValueTask WriteAsync(IReadOnlyList<ImageResult> results, CancellationToken ct)
    {
        foreach (var r in results)
        {
            var file = PathFor(r.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            OutputFolder.WriteAtomic(file, ResultJson.ToUtf8(r, indented: true));
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
