using System.CommandLine;
using Wanwu.Models;

namespace Wanwu.Cli.Commands;

/// <summary><c>wanwu models</c>: list, fetch and inspect models.</summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "List the built-in models; fetch or inspect one");
        command.SetAction(_ =>
        {
            foreach (var m in BuiltinModels.All)
            {
                var cached = BuiltinModels.IsCached(m, null);
                Console.WriteLine($"{m.Name}{(m.Name == BuiltinModels.DefaultName ? " (default)" : "")}{(cached ? " [cached]" : "")}\n    {m.Description}");
            }
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name") { Description = "Built-in model name", DefaultValueFactory = _ => BuiltinModels.DefaultName };
        var fetch = new Command("fetch", "Fetch and convert a built-in model into the cache") { name };
        fetch.SetAction(parse =>
        {
            var n = parse.GetValue(name)!;
            var model = BuiltinModels.Find(n) ?? throw new ModelLoadException($"'{n}' is not a built-in model ({string.Join(", ", BuiltinModels.All.Select(m => m.Name))})");
            Console.WriteLine(BuiltinModels.Ensure(model, null, Console.Error));
            return ExitCodes.Ok;
        });
        command.Add(fetch);

        var path = new Argument<string>("model") { Description = "Built-in name, .onnx file or model folder" };
        var inspect = new Command("inspect", "Show what wanwu understands of a model") { path };
        inspect.SetAction(parse =>
        {
            if (Engine.OcrRunModel.Names(parse.GetValue(path)!)) return InspectOcr(parse.GetValue(path)!);
            var (onnx, dir) = ModelLocator.Locate(parse.GetValue(path)!, null, Console.Error);
            using var session = Backends.OnnxBackend.OpenSession(onnx, 1);
            var spec = ModelDescriber.Describe(session, dir, Path.GetFileNameWithoutExtension(onnx));
            Console.WriteLine($"model:   {spec.Name} ({spec.Task})\nfile:    {onnx}");
            foreach (var (k, v) in session.InputMetadata) Console.WriteLine($"input:   {k} [{string.Join(",", v.Dimensions)}] {v.ElementType.Name}");
            foreach (var (k, v) in session.OutputMetadata) Console.WriteLine($"output:  {k} [{string.Join(",", v.Dimensions)}] {v.ElementType.Name}");
            Console.WriteLine($"preprocess: {spec.Layout} {spec.Dtype} {spec.Width}x{spec.Height} {spec.Resize}, pixel/{spec.PixelScale}, mean [{string.Join(",", spec.Mean)}], std [{string.Join(",", spec.Std)}]");
            var detect = spec.Head is DetectorOutput d ? Postprocess.DetectionSettings.For(d, new PostprocessOptions()) : null;
            Console.WriteLine($"decoding: {spec.Head.Kind}{(detect is null ? "" : $", labels from score {detect.LabelThreshold}, boxes from {detect.ScoreThreshold} (--score-threshold sets both)")}");
            if (spec.ZeroShot is { } z)
                Console.WriteLine($"zero-shot: text encoder {z.TextEncoder}, vocabulary {z.Vocab}, {z.ContextLength} tokens, prompt '{z.Template}', logit scale {z.LogitScale}; tags come from --vocabulary");
            var classes = ClassCount(session, spec);
            var coverage = classes is null ? "" : spec.Labels.Count == classes ? $" (covers all {classes} outputs)" : $" (MISMATCH: the model has {classes} classes)";
            Console.WriteLine($"labels:  {spec.Labels.Count}{coverage}");
            for (var i = 0; i < Math.Min(5, spec.Labels.Count); i++) Console.WriteLine($"   {i}: {spec.Labels[i].Zh} / {spec.Labels[i].En}");
            return ExitCodes.Ok;
        });
        command.Add(inspect);

        var source = new Argument<string>("folder") { Description = "A ModelScope model folder (pytorch_model.pt, meta_info.txt) or a TF.js graph model folder (model.json)" };
        var output = new Option<string>("--output", "-o") { Description = "Folder for model.onnx, labels and wanwu.json", Required = true };
        var import = new Command("import", "Convert a ModelScope recognition model (万物识别, ResNeSt) or a TF.js graph model to a wanwu model folder, once") { source, output };
        import.SetAction(parse =>
        {
            var dir = parse.GetValue(source)!;
            var format = Directory.Exists(dir) ? FolderImports.Find(dir) : null;
            if (format is null)
                throw new ModelLoadException($"'{dir}' is not a folder wanwu converts: a ModelScope folder (pytorch_model.pt + meta_info.txt) or a TF.js graph model (model.json).");
            format.Convert(dir, parse.GetValue(output)!, Console.Error);
            Console.WriteLine(Path.GetFullPath(parse.GetValue(output)!));
            return ExitCodes.Ok;
        });
        command.Add(import);
        return command;
    }

    private static int? ClassCount(Microsoft.ML.OnnxRuntime.InferenceSession session, ModelSpec spec)
    {
        var output = spec.Head switch
        {
            ClassifierOutput c => c.Scores,
            EmbeddingHead e => e.Embedding,
            SsdOutput d => d.Scores,
            CenterNetOutput d => d.Heatmap,
            YoloOutput d => d.Output,
            _ => 0,
        };
        var dims = session.OutputMetadata.Values.ElementAt(output).Dimensions;
        return dims[^1] > 0 ? dims[^1] : null;
    }

    /// <summary>An OCR model: its three networks and dictionary, and how a run feeds it.</summary>
    private static int InspectOcr(string model)
    {
        var dir = BuiltinModels.Find(model) is { } builtin ? BuiltinModels.Ensure(builtin, null, Console.Error) : model;
        Console.WriteLine($"model:   {model} (ocr)\nfolder:  {dir}");
        foreach (var (role, file) in new[] { ("detector", PpOcrModel.Detector), ("direction", PpOcrModel.Classifier), ("recogniser", PpOcrModel.Recognizer) })
        {
            var onnx = Path.Combine(dir, file);
            if (!File.Exists(onnx)) throw new ModelLoadException($"the OCR model folder '{dir}' lacks {file}; fetch it again (wanwu models fetch {PpOcrModel.Name})");
            using var session = Backends.OnnxBackend.OpenSession(onnx, 1);
            var (k, v) = session.InputMetadata.First();
            var (ok, ov) = session.OutputMetadata.First();
            Console.WriteLine($"{role + ":",-11} {file}: {k} [{string.Join(",", v.Dimensions)}] -> {ok} [{string.Join(",", ov.Dimensions)}]");
        }
        var characters = File.ReadLines(Path.Combine(dir, PpOcrModel.Dictionary)).Count();
        Console.WriteLine($"dictionary: {characters} characters ({PpOcrModel.Dictionary})");
        Console.WriteLine($"preprocess: each image decoded with its longer side at most {Ocr.OcrEngine.InputMaxSide} px, never enlarged; lines of text go to \"texts\" (docs/ocr.md)");
        return ExitCodes.Ok;
    }
}
