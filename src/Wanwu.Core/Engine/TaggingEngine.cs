using System.Diagnostics;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Sinks;
using Wanwu.Sources;

namespace Wanwu.Engine;

/// <summary>
/// A whole tagging run into an output folder: model load, resume from the journal, pipeline, sinks, progress and
/// summary.json. Running the same command again into the same folder tags only what is not done yet.
/// </summary>
public static class TaggingEngine
{
    public static Task<RunSummary> RunAsync(TagOptions options, IProgress<RunProgress>? progress = null, TextWriter? log = null, CancellationToken ct = default)
        => RunAsync(options, loaded: null, progress, log, ct);

    /// <summary>
    /// A run with a model loaded earlier by <see cref="ModelLoader.Load"/> from the same options (a cluster worker loads
    /// once and tags shard after shard); the caller keeps ownership of it.
    /// </summary>
    public static async Task<RunSummary> RunAsync(TagOptions options, LoadedModel? loaded, IProgress<RunProgress>? progress = null, TextWriter? log = null, CancellationToken ct = default)
    {
        ImageSources.Validate(options.Inputs);
        try
        {
            Directory.CreateDirectory(options.OutputDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"Cannot prepare output folder '{options.OutputDir}': {e.Message}", e);
        }

        using var outputLock = OutputLock.Acquire(options.OutputDir, TimeSpan.FromSeconds(15));
        if (options.Overwrite) ResultJournal.Clear(options.OutputDir);
        using var owned = loaded is null ? ModelLoader.Load(options, log) : null;
        var model = loaded ?? owned!;
        var journal = ResultJournal.Open(options.OutputDir);
        if (journal.Repaired > 0) log?.WriteLine($"repaired results.jsonl: dropped {journal.Repaired} incomplete or superseded line(s)");
        if (journal.Done.Count > 0) log?.WriteLine($"resuming: {journal.Done.Count} images already have results");

        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        long done = 0, failed = 0, total = 0, skipped = 0;
        var totalKnown = false;
        var retagged = false;
        bool Selected(InputItem item) => options.OnlyPaths is null || options.OnlyPaths.Contains(item.Path);
        IEnumerable<InputItem> Pending()
        {
            foreach (var item in ImageSources.Enumerate(options.Inputs))
            {
                if (!Selected(item)) continue;
                if (journal.IsDone(item)) { Interlocked.Increment(ref skipped); continue; }
                if (journal.Done.ContainsKey(item.Path)) retagged = true;
                yield return item;
            }
        }
        // Counting runs beside the pipeline so the first images start at once and the ETA appears when the count is known.
        using var counting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var counter = Task.Run(() =>
        {
            foreach (var item in ImageSources.Enumerate(options.Inputs))
            {
                counting.Token.ThrowIfCancellationRequested();
                if (Selected(item) && !journal.IsDone(item)) Interlocked.Increment(ref total);
            }
            Volatile.Write(ref totalKnown, true);
        }, counting.Token);
        var completed = false;
        var failedRun = false;
        RunSummary? summary = null;
        var sinks = new List<IResultSink>();
        using var guard = new DecodeGuard(StateDir(options.OutputDir), options.EffectiveDecodeThreads, options.DecodeTimeout, options.OnDecodeHung);
        try
        {
            sinks.AddRange(SinkFactory.Create(options));
            await foreach (var batch in TaggingPipeline.RunAsync(model, Pending(), options, ct, guard))
            {
                // Not cancellable: a batch that reached the sinks is written whole, so an interrupted run stays resumable.
                foreach (var sink in sinks) await sink.WriteAsync(batch, CancellationToken.None);
                done += batch.Count;
                failed += batch.Count(r => r.Error is not null);
                progress?.Report(new RunProgress(done, failed, Math.Max(done, Interlocked.Read(ref total)), Volatile.Read(ref totalKnown), clock.Elapsed));
            }
            completed = true;
        }
        catch
        {
            failedRun = true;
            throw;
        }
        finally
        {
            if (!completed) counting.Cancel();
            try { await counter; } catch (OperationCanceledException) { }
            try
            {
                foreach (var sink in sinks) await sink.DisposeAsync();
                if (retagged)
                {
                    // A changed file was tagged again: its old line goes, so every image keeps exactly one record.
                    ResultJournal.Compact(options.OutputDir);
                    if (options.Formats.Contains(OutputFormat.Csv)) CsvSink.Rebuild(options.OutputDir);
                }
                if (options.Formats.Contains(OutputFormat.Parquet)) await ParquetExport.WriteAsync(options.OutputDir, CancellationToken.None);
                summary = Summarise(options, model, started, clock.Elapsed.TotalSeconds, done, Interlocked.Read(ref skipped), completed);
                SinkFiles.WriteAtomic(Path.Combine(options.OutputDir, RunSummary.FileName), summary.ToUtf8());
            }
            catch (OutputException) when (failedRun)
            {
                // The run's own failure is the one to report; the journal stays valid without a summary.
            }
        }
        return summary!;
    }

    /// <summary>wanwu's own bookkeeping inside an output folder.</summary>
    public static string StateDir(string outputDir) => Path.Combine(outputDir, ".wanwu");

    /// <summary>Totals over every record in the folder (earlier runs included); speed of this run alone.</summary>
    private static RunSummary Summarise(TagOptions options, LoadedModel model, DateTimeOffset started, double seconds, long thisRun, long skipped, bool completed)
    {
        var tally = ResultTally.Of(ResultJournal.ReadAll(options.OutputDir));
        return new RunSummary
        {
            Total = tally.Total, Ok = tally.Total - tally.Failed, Failed = tally.Failed, ThisRun = thisRun, Skipped = skipped,
            Seconds = Math.Round(seconds, 3), ImagesPerSecond = seconds > 0 ? Math.Round(thisRun / seconds, 2) : 0,
            Model = model.Spec.Name, ModelPath = model.Path, Task = model.Spec.Task,
            ExecutionProvider = model.ExecutionProvider,
            BatchSize = TaggingPipeline.BatchSizeOf(model, options),
            DecodeThreads = options.EffectiveDecodeThreads, Completed = completed,
            StartedAt = started, FinishedAt = DateTimeOffset.Now, Inputs = options.Inputs, OutputDir = Path.GetFullPath(options.OutputDir),
            TopLabels = tally.TopLabels, Errors = tally.Errors,
        };
    }
}
