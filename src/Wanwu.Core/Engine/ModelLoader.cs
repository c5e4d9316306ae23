using Wanwu.Backends;
using Wanwu.Models;
using Wanwu.Models.ZeroShot;

namespace Wanwu.Engine;

/// <summary>Locates, describes and opens a model: the model options in, a <see cref="LoadedModel"/> out.</summary>
internal static class ModelLoader
{
    /// <summary>Locates a model and says what it is, without keeping a session: the ONNX file and its description.</summary>
    public static (string OnnxPath, ModelSpec Spec) Describe(string model, string? cacheRoot = null, TextWriter? log = null)
    {
        var (onnx, dir) = ModelLocator.Locate(model, cacheRoot, log);
        using var probe = OnnxBackend.OpenSession(onnx, 1);
        return (onnx, ModelDescriber.Describe(probe, dir, Path.GetFileNameWithoutExtension(onnx)));
    }

    /// <summary>Locates, describes and opens the model for a run.</summary>
    public static LoadedModel Load(ModelOptions options, TextWriter? log = null)
    {
        var (onnx, spec) = Describe(options.Model, options.CacheDir, log);
        TextEmbeddings? tags = null;
        if (spec.ZeroShot is not null)
        {
            spec = ZeroShotVocabulary.Apply(spec, options);
            var card = spec.ZeroShot!;
            var prompts = card.Tags.Select(t => card.Template.Replace("{}", t, StringComparison.Ordinal)).ToList();
            tags = TextEmbeddings.For(spec.Dir, card, prompts, options.CacheDir, log);
        }
        if (options.LabelMapFile is { } mapFile) spec = spec with { Labels = LabelMap.Load(mapFile).Apply(spec.Labels) };
        if (spec.Labels.NotChinese is > 0 and var english)
            log?.WriteLine($"wanwu: {english} of the {spec.Labels.Count} labels of {spec.Name} have no Chinese name, so they are reported as they are; " +
                "give them Chinese names with --label-map FILE (lines: from<TAB>to[<TAB>to_en])");
        var devices = options.Devices.Select(DeviceSpec.Parse).Select(d =>
        {
            var (device, note) = ExecutionProviders.Resolve(d);
            if (note is not null) log?.WriteLine($"wanwu: {note}");
            return device;
        }).ToList();
        var onGpu = devices.Any(d => d.Kind != DeviceKind.Cpu);
        var gpuDecode = onGpu && options.GpuDecode && devices.All(d => d.Kind != DeviceKind.Cpu) && GpuDecodeFor(devices[0], log);
        var variant = DeviceGraph.Prepare(onnx, spec, options.Precision, onGpu, options.CacheDir, log, gpuDecode);
        var plan = SessionPlan.For(devices, new FileInfo(variant.OnnxPath).Length, options.InferenceThreads);
        // Each GPU session decodes its own batches on the device, into its own buffer; the CPU decodes what nvJPEG cannot.
        OnnxBackend Open(ModelSpec s, string path, DeviceSpec device, int threads) => new(path, s, threads, device,
            gpuDecode ? new DeviceBatchInput(spec.Preprocess, new DecodeOptions().MaxPixels, device.Id, new Decode.ImageDecoder(spec.Preprocess, new DecodeOptions().MaxPixels)) : null);
        var backends = SessionPlan.Open(plan, (device, threads) => Open(variant.Spec, variant.OnnxPath, device, threads));
        if (variant.Precision is "fp16" or "bf16" && options.Precision == Precision.Auto && !DeviceGraph.GivesFiniteOutputs(backends[0], variant.Spec))
        {
            // Float16 overflowed where float32 would not: the run keeps float32 rather than tagging with NaNs.
            log?.WriteLine($"wanwu: {spec.Name} overflows in {variant.Precision} on a probe image; running it in float32");
            foreach (var b in backends) b.Dispose();
            variant = DeviceGraph.Prepare(onnx, spec, Precision.Fp32, onGpu, options.CacheDir, log, gpuDecode);
            var openFp32 = variant;
            backends = SessionPlan.Open(plan, (device, threads) => Open(openFp32.Spec, openFp32.OnnxPath, device, threads));
        }
        var batch = options.BatchSize > 0 ? options.BatchSize : variant.Spec.FixedBatch ?? BatchProbe.Fastest(backends[0], variant.Spec, log);
        // A GPU searches kernels for each new batch shape (a second or more for a large network): every session does
        // it now for the run's batch, and the run's last, shorter batch is padded rather than searched again.
        if (onGpu)
        {
            var sample = BatchProbe.SyntheticImage(variant.Spec);
            foreach (var backend in backends) backend.KeepShape(sample, batch);
        }
        return new LoadedModel(variant.Spec, backends, variant.OnnxPath, batch, tags) { Precision = variant.Precision, DecodesOnDevice = gpuDecode };
    }

    /// <summary>Whether nvJPEG can decode for <paramref name="device"/>; says why not when the GPU runs but cannot decode.</summary>
    private static bool GpuDecodeFor(DeviceSpec device, TextWriter? log)
    {
        var probe = Decode.Gpu.GpuDecodeSupport.Probe(hardware: false, device.Id);
        if (!probe.Available) log?.WriteLine($"wanwu: JPEGs are decoded on the CPU: GPU decode {probe.Summary}");
        return probe.Available;
    }
}
