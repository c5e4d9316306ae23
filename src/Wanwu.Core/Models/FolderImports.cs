namespace Wanwu.Models;

/// <summary>
/// Model folders in another framework's layout that wanwu converts to ONNX once and keeps in the model cache: the one
/// place such formats are recognised, for <c>--model DIR</c> and <c>wanwu models import</c>.
/// </summary>
internal static class FolderImports
{
    /// <summary>A foreign layout: its name, how to recognise it, how to convert it, and the files that identify a version.</summary>
    public sealed record Format(string Name, Func<string, bool> Matches, Action<string, string, TextWriter?> Convert, string[] KeyFiles);

    public static readonly IReadOnlyList<Format> All =
    [
        new("modelscope", ModelScope.ModelScopeImport.IsModelScopeFolder, ModelScope.ModelScopeImport.Convert,
            [ModelScope.ModelScopeImport.Checkpoint, ModelScope.ModelScopeImport.LabelFile]),
        new("tfjs", TfJs.TfjsFolderImport.IsTfjsFolder, TfJs.TfjsFolderImport.Convert, [TfJs.TfjsFolderImport.ModelJson]),
    ];

    /// <summary>The format of <paramref name="dir"/>, or null for a folder that is already a wanwu (ONNX) model folder.</summary>
    public static Format? Find(string dir) =>
        Directory.GetFiles(dir, "*.onnx").Length > 0 ? null : All.FirstOrDefault(f => f.Matches(dir));

    /// <summary>The converted folder in the cache, converting <paramref name="dir"/> the first time (or after it changed).</summary>
    public static string Ensure(Format format, string dir, string? cacheRoot, TextWriter? log)
    {
        var name = Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/'));
        var target = ModelCache.ModelDir(cacheRoot, $"{format.Name}-{name}-{ModelCache.Key(format.Name + "-v1", format.KeyFiles.Select(f => Path.Combine(dir, f)))}");
        return ModelCache.Install(target, staging => format.Convert(dir, staging, log));
    }
}
