using Microsoft.ML.OnnxRuntime;
using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Postprocess;

namespace Wanwu.Models;

/// <summary>A model ready for a run: its description, one loaded backend per device, and the decoder of its outputs.</summary>
public sealed class LoadedModel(ModelSpec spec, IReadOnlyList<IInferenceBackend> backends, IPostprocessor postprocessor, string path, int batchSize = 0) : IDisposable
{
    public LoadedModel(ModelSpec spec, IInferenceBackend backend, IPostprocessor postprocessor, string path, int batchSize = 0)
        : this(spec, [backend], postprocessor, path, batchSize) { }

    public ModelSpec Spec { get; } = spec;
    /// <summary>One session per device; the pipeline feeds them batches in parallel and merges their records.</summary>
    public IReadOnlyList<IInferenceBackend> Backends { get; } = backends;
    public IInferenceBackend Backend => Backends[0];
    public IPostprocessor Postprocessor { get; } = postprocessor;
    /// <summary>The ONNX file that was loaded.</summary>
    public string Path { get; } = path;
    /// <summary>Images per batch for this run: the user's, or what probing found fastest; 0 until decided.</summary>
    public int BatchSize { get; } = batchSize;

    public string ExecutionProvider => string.Join(",", Backends.Select(b => b.ExecutionProvider).Distinct());

    public void Dispose()
    {
        foreach (var b in Backends) b.Dispose();
    }
}

/// <summary>Turns <c>--model</c> (built-in name, .onnx file or folder) into a loaded model; the one place model sources are told apart.</summary>
public static class ModelLoader
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

    /// <summary>Locates a model and says what it is, without keeping a session: the ONNX file and its description.</summary>
    public static (string OnnxPath, ModelSpec Spec) Describe(string model, string? cacheRoot = null, TextWriter? log = null)
    {
        var (onnx, dir) = Locate(model, cacheRoot, log);
        using var probe = OnnxBackend.OpenSession(onnx, 1);
        return (onnx, Describe(probe, dir, Path.GetFileNameWithoutExtension(onnx)));
    }

    /// <summary>Locates, describes and opens the model for a run.</summary>
    public static LoadedModel Load(TagOptions options, TextWriter? log = null)
    {
        var (onnx, spec) = Describe(options.Model, options.ModelCacheDir, log);
        if (spec.ZeroShot is not null) spec = ZeroShot.ZeroShotVocabulary.Apply(spec, options);
        if (options.LabelMapFile is { } mapFile) spec = spec with { Labels = LabelMap.Load(mapFile).Apply(spec.Labels) };
        var devices = options.Devices.Select(DeviceSpec.Parse).Select(d =>
        {
            var (device, note) = ExecutionProviders.Resolve(d);
            if (note is not null) log?.WriteLine($"wanwu: {note}");
            return device;
        }).ToList();
        var threads = options.InferenceThreads;
        if (devices is [{ Kind: DeviceKind.Cpu }])
        {
            // One session cannot keep many cores busy with a small network (measured on 16 cores: MobileNet 95 img/s
            // with one 16-thread session, 283 with eight 2-thread sessions; CenterNet 51 → 103). So a CPU run gets a
            // session per two cores, as many as fit in a quarter of the memory (a session holds about twice the file).
            var sessions = Math.Max(1, Environment.ProcessorCount / 2);
            var modelBytes = Math.Max(1, new FileInfo(onnx).Length);
            var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            sessions = (int)Math.Clamp(memory / 4 / (modelBytes * 2), 1, sessions);
            if (threads > 0) sessions = Math.Max(1, Environment.ProcessorCount / threads);
            devices = Enumerable.Repeat(devices[0], sessions).ToList();
        }
        else
        {
            // Two sessions per GPU keep it busy while the other batch is encoded and its outputs decoded on the CPU
            // (one session: ResNeSt-101 model-only 586 img/s on an H100, where ONNX Runtime's run alone does ~2,100).
            devices = devices.SelectMany(d => d.Kind == DeviceKind.Cpu ? [d] : new[] { d, d }).ToList();
        }
        // Sessions on one CPU share its cores.
        if (threads <= 0) threads = Math.Max(1, Environment.ProcessorCount / Math.Max(1, devices.Count(d => d.Kind == DeviceKind.Cpu)));
        // Sessions are created side by side: eight sessions of a 600 MB network took 22 s one after another.
        var created = new IInferenceBackend?[devices.Count];
        try
        {
            Parallel.For(0, devices.Count, i => created[i] = new OnnxBackend(onnx, spec, threads, devices[i]));
        }
        catch (AggregateException e)
        {
            foreach (var b in created) b?.Dispose();
            throw e.InnerExceptions[0];
        }
        var backends = created.Select(b => b!).ToList();
        var batch = options.BatchSize > 0 ? options.BatchSize : spec.FixedBatch ?? BatchProbe.Fastest(backends[0], spec, log);
        return new LoadedModel(spec, backends, PostprocessorFactory.Create(spec, options, log), onnx, batch);
    }

    /// <summary>What the ONNX metadata says, overridden by the card in <paramref name="dir"/> if there is one.</summary>
    public static ModelSpec Describe(InferenceSession session, string dir, string fallbackName)
    {
        var cardPath = Path.Combine(dir, ModelCard.FileName);
        var card = Infer(session).With(File.Exists(cardPath) ? ModelCard.Load(cardPath) : new ModelCard());
        var input = card.Input;
        var meta = session.InputMetadata[input.Name!].Dimensions;
        int? fixedBatch = meta.Length > 0 && meta[0] > 0 ? meta[0] : null;
        var labels = LoadLabels(dir, card.Labels);
        return new ModelSpec
        {
            Name = card.Name ?? fallbackName,
            Task = card.Task ?? "classify",
            InputName = input.Name!,
            Layout = input.Layout?.ToUpperInvariant() switch
            {
                "NHWC" => InputLayout.Nhwc,
                "NCHW" => InputLayout.Nchw,
                var l => throw new ModelLoadException($"input layout '{l}' is not NHWC or NCHW; set input.layout in {ModelCard.FileName}"),
            },
            Dtype = input.Dtype?.ToLowerInvariant() switch
            {
                "uint8" => InputDtype.Uint8,
                "float32" or "float" => InputDtype.Float32,
                "float16" => InputDtype.Float16,
                var d => throw new ModelLoadException($"input type '{d}' is not supported (uint8, float32, float16)"),
            },
            Width = input.Width ?? throw new ModelLoadException($"the model's input width is dynamic; set input.width in {ModelCard.FileName}"),
            Height = input.Height ?? throw new ModelLoadException($"the model's input height is dynamic; set input.height in {ModelCard.FileName}"),
            Resize = input.Resize?.ToLowerInvariant() switch
            {
                "stretch" or null => ResizeMode.Stretch,
                "center-crop" or "centre-crop" or "crop" => ResizeMode.CenterCrop,
                "letterbox" => ResizeMode.Letterbox,
                var r => throw new ModelLoadException($"resize mode '{r}' is not stretch, center-crop or letterbox"),
            },
            CropFraction = input.CropFraction ?? 0.875,
            PixelScale = input.PixelScale ?? 1,
            Mean = Triple(input.Mean, 0),
            Std = Triple(input.Std, 1),
            Output = card.Output,
            Labels = labels,
            FixedBatch = fixedBatch,
            PreferredBatch = card.PreferredBatch ?? (fixedBatch ?? 16),
            Dir = dir,
            ZeroShot = card.ZeroShot,
        };
    }

    /// <summary>A card built from the ONNX metadata alone: enough for common classifier and SSD layouts.</summary>
    public static ModelCard Infer(InferenceSession session)
    {
        var (inputName, inMeta) = session.InputMetadata.First();
        var d = inMeta.Dimensions;
        var nhwc = d.Length == 4 && d[3] is 1 or 3;
        var input = new InputCard
        {
            Name = inputName,
            Layout = d.Length == 4 ? (nhwc ? "NHWC" : "NCHW") : null,
            Dtype = inMeta.ElementType == typeof(byte) ? "uint8" : inMeta.ElementType == typeof(Float16) ? "float16" : "float32",
            Width = d.Length == 4 && (nhwc ? d[2] : d[3]) is > 0 and var w ? w : null,
            Height = d.Length == 4 && (nhwc ? d[1] : d[2]) is > 0 and var h ? h : null,
        };
        if (input.Dtype != "uint8")
        {
            // Float inputs without a card are taken to be PyTorch-style ImageNet exports: the most common kind.
            input = input with { PixelScale = 255, Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225], Resize = "center-crop" };
        }
        var outputs = session.OutputMetadata.ToList();
        OutputCard output;
        string task;
        if (outputs.Count == 3 && outputs[1].Value.Dimensions is [.., 4] && outputs[2].Value.Dimensions is [.., 4])
        {
            (task, output) = ("detect", new OutputCard { Kind = "ssd-anchors", Scores = outputs[0].Key, Boxes = outputs[1].Key, Anchors = outputs[2].Key, BackgroundClass = 0 });
        }
        else
        {
            (task, output) = ("classify", new OutputCard { Kind = "auto", Scores = outputs[0].Key });
        }
        return new ModelCard { Task = task, Input = input, Output = output };
    }

    private static LabelSet LoadLabels(string dir, LabelsCard card)
    {
        string? file = card.File is { } f ? Path.Combine(dir, f) : null;
        if (file is null)
        {
            var candidates = Directory.GetFiles(dir).Where(p => Path.GetExtension(p).ToLowerInvariant() is ".txt" or ".tsv" or ".csv")
                .OrderByDescending(p => Path.GetFileName(p).Contains("label", StringComparison.OrdinalIgnoreCase)).ThenBy(p => p, StringComparer.Ordinal).ToList();
            file = candidates.FirstOrDefault();
        }
        if (file is null) return new LabelSet([]);
        if (!File.Exists(file)) throw new ModelLoadException($"label file '{file}' named by the model card does not exist");
        return LabelSet.Load(file, card);
    }

    private static double[] Triple(double[]? values, double fallback) => values switch
    {
        null => [fallback, fallback, fallback],
        [var v] => [v, v, v],
        [_, _, _] => values,
        _ => throw new ModelLoadException("mean and std need one or three values"),
    };
}
