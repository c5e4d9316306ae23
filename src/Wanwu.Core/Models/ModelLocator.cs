namespace Wanwu.Models;

/// <summary>Turns <c>--model</c> (built-in name, .onnx file, folder or URL) into an ONNX file and its folder: the one place model sources are told apart.</summary>
internal static class ModelLocator
{
    /// <summary>Finds the ONNX file and its folder, fetching a built-in model into the cache if needed.</summary>
    public static (string OnnxPath, string Dir) Locate(string model, string? cacheRoot = null, TextWriter? log = null)
    {
        if (UrlModel.IsUrl(model)) model = UrlModel.Ensure(model, cacheRoot, log);
        if (ModelScope.ModelScopeHub.IsSpec(model)) model = ModelScope.ModelScopeHub.Ensure(model, cacheRoot, log);
        if (Directory.Exists(model) && FolderImports.Find(model) is { } foreign) model = FolderImports.Ensure(foreign, model, cacheRoot, log);
        if (Directory.Exists(model))
        {
            var onnx = Directory.GetFiles(model, "*.onnx");
            if (onnx.Length > 1 && ZeroShotImageEncoder(model) is { } encoder) return (encoder, model);
            return onnx.Length switch
            {
                1 => (onnx[0], model),
                0 => throw new ModelLoadException($"Model folder '{model}' holds no .onnx file."),
                _ => throw new ModelLoadException($"Model folder '{model}' holds several .onnx files; name one with --model FILE."),
            };
        }
        if (File.Exists(model))
        {
            if (!model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                throw new ModelLoadException($"'{model}' is not an .onnx file; give an .onnx file, a model folder or a built-in name (wanwu models).");
            return (model, Path.GetDirectoryName(Path.GetFullPath(model))!);
        }
        if (BuiltinModels.Find(model) is { } builtin)
        {
            var dir = BuiltinModels.Ensure(builtin, cacheRoot, log);
            return (Path.Combine(dir, "model.onnx"), dir);
        }
        throw new ModelLoadException($"Unknown model '{model}': not a file, a folder, a URL, modelscope:owner/name or a built-in name ({string.Join(", ", BuiltinModels.All.Select(m => m.Name))}).");
    }

    /// <summary>An image-text model folder holds two networks; its card says which one sees the images.</summary>
    private static string? ZeroShotImageEncoder(string dir)
    {
        var card = Path.Combine(dir, ModelCard.FileName);
        return File.Exists(card) && ModelCard.Load(card).ZeroShot is { } z && File.Exists(Path.Combine(dir, z.ImageEncoder))
            ? Path.Combine(dir, z.ImageEncoder)
            : null;
    }

}
