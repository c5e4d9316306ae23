using Wanwu.Decode;
using Wanwu.Sinks;
using Wanwu.Sources;

namespace Wanwu.Engine;

/// <summary>
/// A whole tagging run into an output folder: model load, resume from the journal, pipeline, sinks, progress and
/// summary.json. Running the same command again into the same folder tags only what is not done yet.
/// </summary>
public static class TaggingEngine
{
    /// <summary>Runs <paramref name="run"/>; cancellation stops it after the batch in hand is written.</summary>
    public static Task<RunSummary> RunAsync(TagRun run, IProgress<RunProgress>? progress = null, TextWriter? log = null, CancellationToken ct = default)
        => RunAsync(run, loaded: null, progress, log, ct);

    /// <summary>
    /// A run with models loaded earlier from the same model options (a cluster worker loads once and tags shard after
    /// shard; the caller keeps ownership of them). <paramref name="onDecodeHung"/> is called once when a decode passes the
    /// run's decode timeout: a hung native decoder cannot be stopped from inside the process, so an isolated run exits.
    /// </summary>
    internal static async Task<RunSummary> RunAsync(TagRun run, RunModels? loaded, IProgress<RunProgress>? progress = null, TextWriter? log = null,
        CancellationToken ct = default, Action<InputItem>? onDecodeHung = null)
    {
        ImageSources.Validate(run.Inputs);
        var folder = new OutputFolder(run.Output.Dir).Create();
        using var outputLock = folder.Lock(TimeSpan.FromSeconds(15));
        if (run.Output.Overwrite) folder.Clear();
        using var owned = loaded is null ? RunModels.Load(run.AllModels, log) : null;
        var models = (loaded ?? owned!).All;
        folder.CheckModels([.. models.Select(m => m.Name)]);
        var clock = new ModelClock(models.Count);
        if (run.Postprocess.TextTagsFile is not null && !models.Any(m => m is OcrRunModel))
            log?.WriteLine("wanwu: --text-tags turns text into labels, but no model of this run reads text; add -m ppocr");
        var journal = ResultJournal.Open(folder, run.Output.RetryErrors);
        if (journal.Repaired > 0) log?.WriteLine($"repaired results.jsonl: dropped {journal.Repaired} incomplete or superseded line(s)");
        if (journal.Done.Count > 0) log?.WriteLine($"resuming: {journal.Done.Count} images already have results");

        var started = DateTimeOffset.Now;
        IEnumerable<InputItem> Selected() => ImageSources.Enumerate(run.Inputs).Where(i => run.OnlyPaths is null || run.OnlyPaths.Contains(i.Path));
        var counter = new ProgressCounter(Selected().Where(i => !journal.IsDone(i)), progress, ct);
        var completed = false;
        RunSummary? summary = null;
        var sinks = new List<IResultSink>();
        try
        {
            using var guard = new DecodeGuard(folder.Inflight, folder.ClearInflight, run.Decode.EffectiveThreads, run.Decode.Timeout, onDecodeHung);
            sinks.AddRange(SinkFactory.Create(run.Output, folder, journal));
            var pending = journal.Pending(Selected());
            var batches = MultiModelPipeline.RunAsync(models, pending, run.Decode, run.Postprocess, ct, guard, clock);
            await foreach (var batch in batches)
            {
                // Not cancellable: a batch that reached the sinks is written whole, so an interrupted run stays resumable.
                foreach (var sink in sinks) await sink.WriteAsync(batch, CancellationToken.None);
                journal.Wrote(batch);
                counter.Add(batch);
            }
            completed = true;
        }
        finally
        {
            await counter.DisposeAsync();
            try
            {
                foreach (var sink in sinks) await sink.FinishAsync();
                // Also after an interruption: summary.json then says how far the run got.
                summary = RunSummary.Of(ResultJournal.ReadAll(folder), run, Facts(models, clock, started, counter.Elapsed.TotalSeconds, counter.Done, journal.Skipped, completed, journal.Retried));
                OutputFolder.WriteAtomic(folder.Summary, summary.ToUtf8());
                // A run of the supervisor's suspects alone is part of a larger one, which ends the retry job.
                if (completed && run.OnlyPaths is null) journal.EndRetries();
            }
            catch (OutputException) when (!completed)
            {
                // The run's own failure is the one to report; the journal stays valid without the derived files.
            }
            finally
            {
                foreach (var sink in sinks) await sink.DisposeAsync();
            }
        }
        return summary!;
    }

    /// <summary>What the run knows of itself for summary.json; several models are joined with "+" in the one-model fields.</summary>
    private static RunFacts Facts(IReadOnlyList<RunModel> models, ModelClock clock, DateTimeOffset started, double seconds, long done, long skipped, bool completed, long retried)
    {
        var first = models[0];
        string Joined(Func<RunModel, string> field) => string.Join("+", models.Select(field));
        var total = clock.Total.TotalSeconds;
        return new RunFacts(started, seconds, done, skipped, completed,
            Joined(m => m.Name), models.Count == 1 ? first.Path : string.Join(";", models.Select(m => m.Path)), Joined(m => m.Task),
            string.Join(",", models.Select(m => m.ExecutionProvider).Distinct()), first.BatchSize,
            models.Select(m => m.LabelsLanguage).FirstOrDefault(l => l != "zh") ?? "zh", first.Precision, retried)
        {
            Models = [.. models.Select((m, i) => new ModelSummary
            {
                Name = m.Name, Path = m.Path, Task = m.Task, ExecutionProvider = m.ExecutionProvider, BatchSize = m.BatchSize, Precision = m.Precision,
                Seconds = Math.Round(clock[i].TotalSeconds, 3), Share = total > 0 ? Math.Round(clock[i].TotalSeconds / total, 4) : 0,
            })],
        };
    }
}
