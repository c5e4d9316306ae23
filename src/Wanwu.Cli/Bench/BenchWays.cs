using System.Diagnostics;
using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Decode.Gpu;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Postprocess;
using Wanwu.Sources;

namespace Wanwu.Cli.Bench;

/// <summary>One way of tagging measured by <c>wanwu bench</c>.</summary>
/// <remarks><c>Seconds</c> is the time of the tagging itself; for blog and wanwu it leaves out their one model load, given as <c>LoadSeconds</c>.</remarks>
internal sealed record BenchResult(string Way, int Images, double Seconds, double ImagesPerSecond, double CpuSeconds, double CpuUtilisation, double PeakRssMb, int Failed, double? LoadSeconds = null, string? Device = null);

/// <summary>
/// The ways compared side by side on the same model and images: the naive script (model loaded for every image,
/// full-size decode), the blog's "fast" script (model loaded once, batches of 8, serial full-size decode) and wanwu;
/// plus the two halves of wanwu alone, decode only and model only, whose combination is the ceiling on a CPU where
/// both share the cores: 1 / (1/decode + 1/model).
/// </summary>
internal static class BenchWays
{
    public static readonly IReadOnlyList<string> Names = ["naive", "blog", "decode", "model", "wanwu"];

    /// <summary>
    /// A way may name a variant after a colon: <c>model:fp16</c>, <c>wanwu:fp32</c> (the precision the network runs in),
    /// <c>decode:gpu</c> (JPEG decode with nvJPEG on the GPU alone), <c>decode:cpu</c> (the same as <c>decode</c>).
    /// </summary>
    private static (string Name, string? Variant) Split(string way) =>
        way.IndexOf(':') is > 0 and var at ? (way[..at], way[(at + 1)..]) : (way, null);

    /// <summary>The combined ceiling of decode and model sharing the same cores, in images/s; null unless both were measured.</summary>
    public static double? Ceiling(IReadOnlyList<BenchResult> results)
    {
        var decode = results.FirstOrDefault(r => r.Way == "decode")?.ImagesPerSecond;
        var model = results.FirstOrDefault(r => r.Way == "model")?.ImagesPerSecond;
        return decode > 0 && model > 0 ? 1 / (1 / decode.Value + 1 / model.Value) : null;
    }

    public static async Task<BenchResult> RunAsync(string way, TagRun run, IReadOnlyList<InputItem> items, CancellationToken ct = default)
    {
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        // The naive way reloads the model for every image: that is its cost, so it is timed whole. Blog and wanwu load
        // once: the load is reported apart and their speed is that of the tagging, what a long run sees; decode and
        // model alone time only their work, the steady throughput of each half.
        var (name, variant) = Split(way);
        if (variant is not null && name is "model" or "wanwu" or "blog" or "naive")
            run = run with { Model = run.Model with { Precision = Enum.Parse<Precision>(variant, ignoreCase: true) } };
        var (failed, work, load) = (name, variant) switch
        {
            ("decode", "gpu") => Without(DecodeOnGpu(run, items)),
            ("decode", "cpu") => Without(DecodeOnly(run, items)),
            _ => name switch
            {
            "naive" => (Naive(run, items), null, null),
            "blog" => Blog(run, items, 8),
            "wanwu" => await Wanwu(run, items, ct),
            "decode" => Without(DecodeOnly(run, items)),
            "model" => Without(ModelOnly(run, items)),
            _ => throw new ArgumentException($"unknown way '{way}' ({string.Join(", ", Names)}, with :fp32, :fp16, :gpu, :cpu)"),
            },
        };
        var seconds = work ?? clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        // CPU time and use cover the whole way, its model load and set-up included, so both are over one window.
        return new BenchResult(way, items.Count, Math.Round(seconds, 3), Math.Round(items.Count / seconds, 2), Math.Round(cpu, 2),
            Math.Round(cpu / clock.Elapsed.TotalSeconds / Environment.ProcessorCount, 3), Math.Round(process.PeakWorkingSet64 / 1048576.0, 1), failed,
            load is null ? null : Math.Round(load.Value, 3),
            way is "decode" or "decode:cpu" ? "cpu" : string.Join(",", Devices(run)));
    }

    private static (int, double?, double?) Without((int Failed, double? Work) r) => (r.Failed, r.Work, null);

    /// <summary>What the first scripts did: for each image, load the model, decode the full image, run it alone.</summary>
    private static int Naive(TagRun run, IReadOnlyList<InputItem> items)
    {
        var failed = 0;
        foreach (var item in items)
        {
            using var model = ModelLoader.Load(run.Model with { InferenceThreads = Environment.ProcessorCount, BatchSize = 1 });
            failed += RunSerial(model, run.Postprocess, [item], new ImageDecoder(model.Spec.Preprocess, run.Decode.MaxPixels, shrinkOnLoad: false));
        }
        return failed;
    }

    /// <summary>The blog's way: one model, decode one image after another at full size, infer in batches.</summary>
    private static (int, double?, double?) Blog(TagRun run, IReadOnlyList<InputItem> items, int batch)
    {
        var clock = Stopwatch.StartNew();
        // The scripts ran one session with ONNX Runtime's default threads: one per core.
        using var model = ModelLoader.Load(run.Model with { BatchSize = batch, InferenceThreads = Environment.ProcessorCount });
        var load = clock.Elapsed.TotalSeconds;
        var decoder = new ImageDecoder(model.Spec.Preprocess, run.Decode.MaxPixels, shrinkOnLoad: false);
        var failed = 0;
        for (var i = 0; i < items.Count; i += batch) failed += RunSerial(model, run.Postprocess, items.Skip(i).Take(batch).ToList(), decoder);
        return (failed, clock.Elapsed.TotalSeconds - load, load);
    }

    private static int RunSerial(LoadedModel model, PostprocessOptions postprocess, IReadOnlyList<InputItem> items, ImageDecoder decoder)
    {
        var postprocessor = model.CreatePostprocessor(postprocess);
        var outcomes = items.Select(i => TaggingPipeline.DecodeOne(decoder, i)).ToList();
        var images = outcomes.Where(o => o.Image is not null).Select(o => o.Image!).ToList();
        if (images.Count > 0)
        {
            var outputs = model.Backend.Run(images);
            for (var i = 0; i < images.Count; i++) postprocessor.Process(images[i], outputs, i);
        }
        return outcomes.Count(o => o.Failure is not null);
    }

    /// <summary>Only wanwu's decode: shrink-on-load on every core, no inference.</summary>
    private static (int, double?) DecodeOnly(TagRun run, IReadOnlyList<InputItem> items)
    {
        var spec = ModelLoader.Describe(run.Model.Model, run.Model.CacheDir).Spec;
        var decoder = new ImageDecoder(spec.Preprocess, run.Decode.MaxPixels);
        var threads = run.Decode.EffectiveThreads;
        var failed = 0;
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        ThreadPool.SetMinThreads(Math.Max(minWorkers, threads + 4), minIo);
        var clock = Stopwatch.StartNew();
        Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = threads }, item =>
        {
            if (TaggingPipeline.DecodeOne(decoder, item).Failure is not null) Interlocked.Increment(ref failed);
        });
        return (failed, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The devices the run's sessions really use, as <c>--device</c> resolves here.</summary>
    private static IEnumerable<DeviceSpec> Devices(TagRun run) => run.Model.Devices.Select(d => ExecutionProviders.Resolve(DeviceSpec.Parse(d)).Device);

    /// <summary>
    /// Only nvJPEG's decode and resize to the model's input on the GPU, two decoders as a run's two sessions have, the
    /// files read ahead (<see cref="GpuDecodeAhead"/>).
    /// </summary>
    private static (int, double?) DecodeOnGpu(TagRun run, IReadOnlyList<InputItem> items)
    {
        var spec = ModelLoader.Describe(run.Model.Model, run.Model.CacheDir).Spec;
        var probe = GpuDecodeSupport.Probe();
        if (!probe.Available) throw new ModelLoadException($"GPU decode {probe.Summary}");
        const int batch = 128;
        var chunks = items.Chunk(batch).ToList();
        // Two decoders per GPU of the run (--device cuda:0,cuda:1 measures both), as a run has two sessions per GPU;
        // made, and warmed on one batch, before the clock starts, as a run's sessions have theirs by then.
        var gpus = Devices(run).Where(d => d.Kind != DeviceKind.Cpu).Select(d => d.Id).Distinct().DefaultIfEmpty(0).ToList();
        var decoders = gpus.SelectMany(id => new[] { id, id }).Select(id => new NvJpegBatchDecoder(spec.Preprocess, batch, run.Decode.MaxPixels, id)).ToArray();
        try
        {
            var warm = GpuDecodeAhead.Read(chunks[0]);
            foreach (var d in decoders) d.Decode(warm);
            var failed = 0;
            var seconds = GpuDecodeAhead.Run(decoders, chunks, r => { if (!r.OnGpu) Interlocked.Increment(ref failed); });
            return (failed, seconds);
        }
        finally
        {
            foreach (var d in decoders) d.Dispose();
        }
    }

    /// <summary>Only the network: as many images as the set holds, already decoded, in wanwu's batches.</summary>
    private static (int, double?) ModelOnly(TagRun run, IReadOnlyList<InputItem> items)
    {
        using var model = ModelLoader.Load(run.Model);
        var postprocessor = model.CreatePostprocessor(run.Postprocess);
        var decoder = new ImageDecoder(model.Spec.Preprocess, run.Decode.MaxPixels);
        var sample = items.Select(i => TaggingPipeline.DecodeOne(decoder, i).Image).Where(i => i is not null).Take(64).ToList();
        if (sample.Count == 0) return (items.Count, null);
        var batch = model.BatchSize;
        // Every session at once, as the pipeline runs them.
        var next = -batch;
        var clock = Stopwatch.StartNew();
        Parallel.ForEach(model.Backends, new ParallelOptions { MaxDegreeOfParallelism = model.Backends.Count }, backend =>
        {
            var inference = new BatchInference(model, postprocessor, backend);
            for (var done = Interlocked.Add(ref next, batch); done < items.Count; done = Interlocked.Add(ref next, batch))
                inference.Run(Enumerable.Range(done, Math.Min(batch, items.Count - done)).Select(i => sample[i % sample.Count]!).ToList());
        });
        return (0, clock.Elapsed.TotalSeconds);
    }

    private static async Task<(int, double?, double?)> Wanwu(TagRun run, IReadOnlyList<InputItem> items, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var model = ModelLoader.Load(run.Model);
        var load = clock.Elapsed.TotalSeconds;
        var failed = 0;
        await foreach (var batch in TaggingPipeline.RunAsync(model, items, run.Decode, run.Postprocess, ct))
            failed += batch.Count(r => r.Error is not null);
        return (failed, clock.Elapsed.TotalSeconds - load, load);
    }
}
