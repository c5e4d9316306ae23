namespace Wanwu.Models.ModelScope;

/// <summary>
/// Which files of a ModelScope listing wanwu fetches, decided before any download: the layout must be one wanwu
/// converts (a <see cref="FolderImports"/> format, recognised by its key files, or ONNX), and only the model's top
/// folder is fetched, without documentation and pictures, because that is all the conversions read.
/// </summary>
internal sealed record HubFileSelection(string Layout, IReadOnlyList<HubFile> Fetch, IReadOnlyList<HubFile> Skipped)
{
    private static readonly HashSet<string> DocumentExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".md", ".markdown", ".rst", ".ipynb", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg", ".ico",
        ".mp4", ".avi", ".mov", ".webm", ".mp3", ".wav", ".flac",
    };

    public long FetchBytes => Fetch.Sum(f => Math.Max(0, f.Size));

    public static HubFileSelection Choose(ModelScopeRef model, IReadOnlyList<HubFile> listing)
    {
        var blobs = listing.Where(f => !f.IsFolder).ToList();
        var top = blobs.Where(f => !f.Path.Contains('/') && f.Path == f.Name).ToList();
        var wanted = top.Where(f => !IsDocumentation(f.Name)).ToList();
        var names = wanted.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);

        string layout;
        if (names.Any(n => n.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))) layout = "onnx";
        else if (FolderImports.All.FirstOrDefault(f => f.KeyFiles.All(names.Contains)) is { } format) layout = format.Name;
        else throw NotConvertible(model, top.Count > 0 ? top : blobs);

        return new HubFileSelection(layout, wanted, blobs.Except(wanted).ToList());
    }

    private static bool IsDocumentation(string name) =>
        name.StartsWith('.') || name.StartsWith("README", StringComparison.OrdinalIgnoreCase) || DocumentExtensions.Contains(Path.GetExtension(name));

    private static ModelLoadException NotConvertible(ModelScopeRef model, IReadOnlyList<HubFile> files)
    {
        var shown = string.Join(", ", files.Take(12).Select(f => f.Path)) + (files.Count > 12 ? $" and {files.Count - 12} more" : "");
        var layouts = string.Join(", ", FolderImports.All.Select(f => $"{f.Name} ({string.Join(" + ", f.KeyFiles)})"));
        return new ModelLoadException(
            $"ModelScope model {model} is not a layout wanwu can convert: it holds {(shown.Length > 0 ? shown : "no files")}. "
            + $"wanwu converts {layouts} or ONNX models (*.onnx), and nothing was downloaded. "
            + "Export this model to ONNX yourself and give the .onnx file or its folder to --model.");
    }
}
