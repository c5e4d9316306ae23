using System.Text.Json;

namespace Wanwu.Models.ModelScope;

/// <summary>
/// <c>--model modelscope:owner/name[@revision]</c>: the model's files fetched from the ModelScope hub over its HTTP API
/// (<see cref="ModelScopeHubClient"/>), then converted once by the same importers as a local folder
/// (<see cref="FolderImports"/>) into the model cache, keyed by model and revision. Downloads live under
/// <c>downloads/</c> until the conversion is done, so a cut fetch continues where it stopped; the converted model
/// appears only through <see cref="ModelCache.Install"/>'s stage-then-rename.
/// </summary>
internal static class ModelScopeHub
{
    /// <summary>Written beside the converted model: where it came from, file by file.</summary>
    public const string SourceFile = "modelscope.json";

    public static bool IsSpec(string model) => ModelScopeRef.IsSpec(model);

    public static string CacheDir(string spec, string? cacheRoot) => ModelCache.ModelDir(cacheRoot, ModelScopeRef.Parse(spec).CacheName);

    public static bool IsCached(string spec, string? cacheRoot) => IsReady(CacheDir(spec, cacheRoot));

    /// <summary>The converted model's folder in the cache, fetching and converting it first if needed.</summary>
    public static string Ensure(string spec, string? cacheRoot, TextWriter? log, ModelScopeHubSettings? settings = null)
    {
        var model = ModelScopeRef.Parse(spec);
        var target = ModelCache.ModelDir(cacheRoot, model.CacheName);
        if (IsReady(target)) return target;

        settings ??= ModelScopeHubSettings.FromEnvironment();
        var downloads = Path.Combine(cacheRoot ?? ModelCache.DefaultRoot, "downloads");
        using (DownloadLock.Acquire(Path.Combine(downloads, model.CacheName + ".lock"), log, model))
        {
            if (IsReady(target)) return target;   // another process finished it while this one waited
            // The folder is named like the model, because the importers name the converted model after its folder.
            var folder = Path.Combine(downloads, model.CacheName, model.Name);
            FetchAsync(model, folder, settings, log, CancellationToken.None).GetAwaiter().GetResult();
            try
            {
                Convert(model, folder, target, log);
            }
            catch (ModelLoadException e) when (e.InnerException is not IOException)
            {
                // Files that do not convert will not convert next time either: they are not kept.
                DeleteDownloads(folder);
                throw;
            }
            DeleteDownloads(folder);
        }
        log?.WriteLine($"modelscope: {model} ready in {target}");
        return target;
    }

    private static async Task FetchAsync(ModelScopeRef model, string folder, ModelScopeHubSettings settings, TextWriter? log, CancellationToken ct)
    {
        using var client = new ModelScopeHubClient(settings, log);
        log?.WriteLine($"modelscope: listing {model} at {client.Endpoint}");
        var listing = await client.ListFilesAsync(model, ct);
        var selection = HubFileSelection.Choose(model, listing);
        log?.WriteLine($"modelscope: {selection.Layout} layout; fetching {string.Join(", ", selection.Fetch.Select(f => f.Path))} ({DiskSpace.Size(selection.FetchBytes)})"
            + (selection.Skipped.Count > 0 ? $"; skipping {string.Join(", ", selection.Skipped.Select(f => f.Path))}" : ""));

        Directory.CreateDirectory(folder);
        var missing = selection.Fetch.Sum(f => Math.Max(0, f.Size) - Received(Path.Combine(folder, f.Name)));
        // The conversion writes about as many bytes again as it reads.
        DiskSpace.Require(folder, missing + selection.FetchBytes, $"{model} ({DiskSpace.Size(selection.FetchBytes)} to fetch, about as much again once converted)", settings.FreeSpace);
        foreach (var file in selection.Fetch)
            await client.DownloadAsync(model, file, Path.Combine(folder, file.Name), ct);
        await File.WriteAllTextAsync(Path.Combine(folder, SourceFile), JsonSerializer.Serialize(new
        {
            model = model.Id,
            revision = model.Revision,
            endpoint = client.Endpoint,
            layout = selection.Layout,
            files = selection.Fetch.Select(f => new { path = f.Path, size = f.Size, sha256 = f.Sha256 }),
        }, new JsonSerializerOptions { WriteIndented = true }), ct);
    }

    /// <summary>Converts the fetched folder into the cache; an ONNX model is moved in as it is.</summary>
    private static void Convert(ModelScopeRef model, string folder, string target, TextWriter? log)
    {
        var format = FolderImports.Find(folder);
        if (format is null && Directory.GetFiles(folder, "*.onnx").Length == 0)
            throw new ModelLoadException($"ModelScope model {model} is not a layout wanwu can convert, although its listing looked like one.");
        try
        {
            ModelCache.Install(target, staging =>
            {
                if (format is not null)
                {
                    format.Convert(folder, staging, log);
                    File.Copy(Path.Combine(folder, SourceFile), Path.Combine(staging, SourceFile));
                }
                else
                {
                    foreach (var file in Directory.GetFiles(folder)) File.Move(file, Path.Combine(staging, Path.GetFileName(file)));
                }
            });
        }
        catch (IOException e) when (DiskSpace.IsFull(e))
        {
            throw DiskSpace.FullError(target, $"converting {model}", e);
        }
    }

    private static void DeleteDownloads(string folder)
    {
        try { Directory.Delete(Path.GetDirectoryName(folder)!, true); } catch (IOException) { }
    }

    private static bool IsReady(string dir) => Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*.onnx").Any();

    private static long Received(string target) =>
        File.Exists(target) ? new FileInfo(target).Length
        : File.Exists(target + ResumableDownload.PartialSuffix) ? new FileInfo(target + ResumableDownload.PartialSuffix).Length
        : 0;

    /// <summary>One process at a time fetches a given model and revision; the others wait, then find it converted.</summary>
    private sealed class DownloadLock(FileStream stream) : IDisposable
    {
        public static DownloadLock Acquire(string path, TextWriter? log, ModelScopeRef model)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var told = false;
            while (true)
            {
                try
                {
                    return new DownloadLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException) when (File.Exists(path))
                {
                    if (!told) log?.WriteLine($"modelscope: another wanwu is fetching {model}; waiting for it");
                    told = true;
                    Thread.Sleep(500);
                }
            }
        }

        public void Dispose() => stream.Dispose();
    }
}
