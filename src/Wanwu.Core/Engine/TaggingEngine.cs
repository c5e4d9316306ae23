using System.Diagnostics;
using Wanwu.Models;
using Wanwu.Sinks;
using Wanwu.Sources;

namespace Wanwu.Engine;

/// <summary>A whole tagging run into an output folder: model load, pipeline, sinks, progress and summary.json.</summary>
public static class TaggingEngine
{
    public static async Task<RunSummary> RunAsync(TagOptions options, IProgress<RunProgress>? progress = null, TextWriter? log = null, CancellationToken ct = default)
    {
        ImageSources.Validate(options.Inputs);
        try
        {
            Directory.CreateDirectory(options.OutputDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"Cannot create output folder '{options.OutputDir}': {e.Message}", e);
        }

        using var model = ModelLoader.Load(options, log);
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        long done = 0, failed = 0, total = 0;
        var totalKnown = false;
        // Counting runs beside the pipeline so the first images start at once and the ETA appears when the count is known.
        var counter = Task.Run(() =>
        {
            foreach (var _ in ImageSources.Enumerate(options.Inputs)) Interlocked.Increment(ref total);
            Volatile.Write(ref totalKnown, true);
        }, ct);
        var topLabels = new Dictionary<string, long>();
        var errors = new Dictionary<string, long>();
        var completed = false;
        var sinks = SinkFactory.Create(options);
        RunSummary summary;
        try
        {
            await foreach (var batch in TaggingPipeline.RunAsync(model, ImageSources.Enumerate(options.Inputs), options, ct))
            {
                foreach (var sink in sinks) await sink.WriteAsync(batch, ct);
                foreach (var r in batch)
                {
                    done++;
                    if (r.Error is { } e) { failed++; errors[e.Type] = errors.GetValueOrDefault(e.Type) + 1; }
                    else if (r.Labels.Count > 0) topLabels[r.Labels[0].Label] = topLabels.GetValueOrDefault(r.Labels[0].Label) + 1;
                }
                progress?.Report(new RunProgress(done, failed, Math.Max(done, Interlocked.Read(ref total)), Volatile.Read(ref totalKnown), clock.Elapsed));
            }
            completed = true;
        }
        finally
        {
            foreach (var sink in sinks) await sink.DisposeAsync();
            try { await counter; } catch (OperationCanceledException) { }
            var seconds = clock.Elapsed.TotalSeconds;
            summary = new RunSummary
            {
                Total = done, Ok = done - failed, Failed = failed, Seconds = Math.Round(seconds, 3),
                ImagesPerSecond = seconds > 0 ? Math.Round(done / seconds, 2) : 0,
                Model = model.Spec.Name, ModelPath = model.Path, Task = model.Spec.Task,
                ExecutionProvider = model.Backend.ExecutionProvider,
                BatchSize = options.BatchSize > 0 ? options.BatchSize : model.Spec.PreferredBatch,
                DecodeThreads = options.EffectiveDecodeThreads, Completed = completed,
                StartedAt = started, FinishedAt = DateTimeOffset.Now, Inputs = options.Inputs, OutputDir = Path.GetFullPath(options.OutputDir),
                TopLabels = topLabels.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(50).ToDictionary(),
                Errors = errors.OrderByDescending(kv => kv.Value).ToDictionary(),
            };
            SinkFiles.WriteAtomic(Path.Combine(options.OutputDir, RunSummary.FileName), summary.ToUtf8());
        }
        return summary;
    }
}
