using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Ocr;

namespace Wanwu.Engine;

/// <summary>
/// One model of a run, loaded once (a cluster worker keeps it from shard to shard): what the pipeline of several models
/// needs of it, whatever it is. <see cref="OnnxRunModel"/> wraps a classifier, detector or zero-shot model,
/// <see cref="OcrRunModel"/> the OCR engine.
/// </summary>
internal abstract class RunModel : IDisposable
{
    /// <summary>The name its labels, objects and texts carry in the records, unique within the run.</summary>
    public abstract string Name { get; }
    public abstract string Task { get; }
    /// <summary>The file or folder that was loaded.</summary>
    public abstract string Path { get; }
    public abstract string ExecutionProvider { get; }
    /// <summary>Images per call of <see cref="Runner"/>.</summary>
    public abstract int BatchSize { get; }
    public virtual string Precision => "as-is";
    /// <summary>How many calls of <see cref="Runner"/> may run at once (inference sessions, or their equivalent).</summary>
    public abstract int Sessions { get; }
    public virtual string LabelsLanguage => "zh";

    /// <summary>The input this model wants for an image of <paramref name="width"/>×<paramref name="height"/> (upright, original pixels).</summary>
    public abstract PreprocessSpec InputSpec(int width, int height);

    /// <summary>
    /// Runs this model on its inputs with the run's settings: one partial record each (labels, objects, texts, or an
    /// error) in the order given. The <c>int</c> is which of <see cref="Sessions"/> to use.
    /// </summary>
    public abstract Func<IReadOnlyList<DecodedImage>, int, IReadOnlyList<ImageResult>> Runner(PostprocessOptions options);

    public abstract void Dispose();
}

/// <summary>A classifier, detector or zero-shot model run by ONNX Runtime (<see cref="LoadedModel"/>).</summary>
internal sealed class OnnxRunModel(LoadedModel model) : RunModel
{
    public LoadedModel Model { get; } = model;
    public override string Name => Model.Name;
    public override string Task => Model.Spec.Task;
    public override string Path => Model.Path;
    public override string ExecutionProvider => Model.ExecutionProvider;
    public override int BatchSize => Model.BatchSize;
    public override string Precision => Model.Precision;
    public override int Sessions => Model.Backends.Count;
    public override string LabelsLanguage => Model.Spec.Labels.Language;

    public override PreprocessSpec InputSpec(int width, int height) => Model.Spec.Preprocess;

    public override Func<IReadOnlyList<DecodedImage>, int, IReadOnlyList<ImageResult>> Runner(PostprocessOptions options)
    {
        var postprocessor = Model.CreatePostprocessor(options);
        var sessions = Model.Backends.Select(b => new BatchInference(Model, postprocessor, b)).ToArray();
        return (images, session) =>
        {
            var inference = sessions[session % sessions.Length];
            var results = new List<ImageResult>(images.Count);
            foreach (var chunk in images.Chunk(Math.Max(1, Model.BatchSize))) results.AddRange(inference.Run(chunk));
            return results;
        };
    }

    public override void Dispose() => Model.Dispose();
}

/// <summary>The OCR model (<c>ppocr</c>): text detection, direction and recognition, its lines batched inside the engine.</summary>
internal sealed class OcrRunModel(OcrEngine engine, string name, string dir, DeviceSpec device, int sessions) : RunModel
{
    public override string Name { get; } = name;
    public override string Task => "ocr";
    public override string Path { get; } = dir;
    public override string ExecutionProvider { get; } = ExecutionProviders.Name(device);
    public override int BatchSize => 1;
    public override int Sessions { get; } = sessions;

    /// <summary>
    /// The image as it is, its longer side shrunk to <see cref="OcrEngine.InputMaxSide"/>, never enlarged: the detector
    /// enlarges what it looks at itself, and the lines are cut from these pixels.
    /// </summary>
    public override PreprocessSpec InputSpec(int width, int height)
    {
        var scale = Math.Min(1, (double)OcrEngine.InputMaxSide / Math.Max(width, height));
        return new PreprocessSpec(Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    public override Func<IReadOnlyList<DecodedImage>, int, IReadOnlyList<ImageResult>> Runner(PostprocessOptions options) =>
        (images, _) => images.Select(Read).ToList();

    private ImageResult Read(DecodedImage image)
    {
        try
        {
            return new ImageResult(image.Item.Path, [], null, null, image.OriginalWidth, image.OriginalHeight) { Texts = engine.Read(image) };
        }
        catch (Exception e) when (e is not OperationCanceledException and not ModelLoadException)
        {
            return ImageResult.Failed(image.Item.Path, ImageErrorTypes.InferenceError, e.Message.Split('\n')[0]);
        }
    }

    /// <summary>Whether <paramref name="model"/> (what <c>--model</c> says) names an OCR model: <c>ppocr</c>, or a folder whose card says <c>"task": "ocr"</c>.</summary>
    public static bool Names(string model)
    {
        if (BuiltinModels.Find(model) is { } builtin) return builtin.Name == PpOcrModel.Name;
        var card = System.IO.Path.Combine(model, ModelCard.FileName);
        return Directory.Exists(model) && File.Exists(card) && ModelCard.Load(card).Task == "ocr";
    }

    /// <summary>
    /// Cores from which OCR is faster on the CPU than on a GPU: its networks see each image and each line at its own
    /// size, which a GPU runs poorly. Measured (docs/benchmarks.md): 7.3 images/s on 2 cores, 30.7 on 16, 10.4–12.2 on
    /// an H100 beside those 16 cores.
    /// </summary>
    public const int CpuFasterFromCores = 8;

    /// <summary>Where OCR runs: where the user put it, except that <c>auto</c> keeps it on a CPU of <see cref="CpuFasterFromCores"/> or more cores.</summary>
    public static DeviceSpec DeviceFor(DeviceSpec requested, DeviceSpec resolved, int cores) =>
        requested.Kind == DeviceKind.Auto && cores >= CpuFasterFromCores ? new DeviceSpec(DeviceKind.Cpu) : resolved;

    /// <summary>Fetches (once) and opens the OCR model on the options' first device.</summary>
    public static OcrRunModel Load(ModelOptions options, TextWriter? log)
    {
        var dir = BuiltinModels.Find(options.Model) is { } builtin ? BuiltinModels.Ensure(builtin, options.CacheDir, log) : options.Model;
        var requested = DeviceSpec.Parse(options.Devices.Count > 0 ? options.Devices[0] : "auto");
        var (device, note) = ExecutionProviders.Resolve(requested);
        if (note is not null) log?.WriteLine($"wanwu: {note}");
        var chosen = DeviceFor(requested, device, Environment.ProcessorCount);
        if (chosen != device)
        {
            log?.WriteLine($"wanwu: {PpOcrModel.Name} runs on the CPU's {Environment.ProcessorCount} cores, where it is faster than on the GPU (--device {device.Kind.ToString().ToLowerInvariant()} puts it there)");
            device = chosen;
        }
        // On a CPU one reader per core, on one thread each: measured on 2 cores, 4.1–4.4 images/s against 3.4–3.6 for one
        // reader on two threads (docs/benchmarks.md), as docs/ocr.md found for the engine alone. On a GPU, two readers.
        var onCpu = device.Kind == DeviceKind.Cpu;
        var threads = options.InferenceThreads > 0 ? options.InferenceThreads : 1;
        var readers = onCpu ? Math.Max(1, Environment.ProcessorCount / Math.Max(1, threads)) : 2;
        var card = System.IO.Path.Combine(dir, ModelCard.FileName);
        var name = File.Exists(card) && ModelCard.Load(card).Name is { } n ? n : PpOcrModel.Name;
        return new OcrRunModel(OcrEngine.Open(dir, new OcrSettings(), threads, device), name, dir, device, readers);
    }

    public override void Dispose() => engine.Dispose();
}

/// <summary>The models of a run, loaded in the order given, each under a name no other of them has.</summary>
internal sealed class RunModels(IReadOnlyList<RunModel> models) : IDisposable
{
    public IReadOnlyList<RunModel> All { get; } = models;

    /// <summary>Loads every model of <paramref name="options"/>; what was loaded is freed again if one fails.</summary>
    public static RunModels Load(IReadOnlyList<ModelOptions> options, TextWriter? log = null)
    {
        var loaded = new List<RunModel>();
        try
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var o in options)
            {
                RunModel model = OcrRunModel.Names(o.Model)
                    ? OcrRunModel.Load(o, log)
                    : new OnnxRunModel(Unique(ModelLoader.Load(options.Count == 1 ? o : AmongSeveral(o), log), names));
                if (model is OcrRunModel && !names.Add(model.Name)) throw new ModelLoadException($"the OCR model '{model.Name}' is named twice; give each model once");
                loaded.Add(model);
            }
            return new RunModels(loaded);
        }
        catch
        {
            foreach (var m in loaded) m.Dispose();
            throw;
        }
    }

    /// <summary>
    /// How a model runs beside others: the device decodes only for a model that runs alone (several share one decode
    /// on the CPU), and on a CPU each model gets a one-thread session per core, unless told otherwise, so that each of
    /// the pipeline's inference loops (one per core) takes a batch through every model on its own sessions, in parallel
    /// with the others, without two models' threads fighting over the cores (docs/benchmarks.md, one pass against three).
    /// </summary>
    private static ModelOptions AmongSeveral(ModelOptions o)
    {
        var onCpu = o.Devices.All(d => ExecutionProviders.Resolve(DeviceSpec.Parse(d)).Device.Kind == DeviceKind.Cpu);
        return o with { GpuDecode = false, InferenceThreads = o.InferenceThreads == 0 && onCpu ? 1 : o.InferenceThreads };
    }

    /// <summary>The model under its own name, or its name and a number where an earlier model of the run has that name.</summary>
    private static LoadedModel Unique(LoadedModel model, HashSet<string> names)
    {
        var name = model.Name;
        for (var i = 2; !names.Add(name); i++) name = $"{model.Name}-{i}";
        return name == model.Name ? model : new LoadedModel(model.Spec, model.Backends, model.Path, model.BatchSize, model.Tags)
        {
            Name = name, Precision = model.Precision, DecodesOnDevice = model.DecodesOnDevice,
        };
    }

    public void Dispose()
    {
        foreach (var m in All) m.Dispose();
    }
}
