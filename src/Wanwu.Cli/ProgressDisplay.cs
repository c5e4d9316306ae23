using Spectre.Console;
using Wanwu.Engine;

namespace Wanwu.Cli;

/// <summary>Shows a run's progress: a live bar on a terminal, a plain line every few seconds when redirected, nothing with --quiet.</summary>
public static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(bool quiet, Func<IProgress<RunProgress>?, Task<T>> run)
    {
        if (quiet) return await run(null);
        if (Console.IsErrorRedirected || !Cli.Err.Profile.Capabilities.Interactive)
        {
            var last = DateTime.MinValue;
            return await run(new SyncProgress(p =>
            {
                if ((DateTime.UtcNow - last).TotalSeconds < 2) return;
                last = DateTime.UtcNow;
                Console.Error.WriteLine(Line(p));
            }));
        }
        T result = default!;
        await Cli.Err.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("tagging", maxValue: 1);
                result = await run(new SyncProgress(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = Markup.Escape(Line(p));
                }));
                task.StopTask();
            });
        return result;
    }

    public static string Line(RunProgress p)
    {
        var total = p.TotalKnown ? $"/{p.Total}" : "";
        var eta = p.Eta is { } e ? $", ETA {e:hh\\:mm\\:ss}" : "";
        return $"{p.Done}{total} images, {p.Failed} failed, {p.ImagesPerSecond:0.0} img/s{eta}";
    }

    /// <summary>Reports on the caller's thread: Progress&lt;T&gt; would post to the thread pool and reorder reports.</summary>
    private sealed class SyncProgress(Action<RunProgress> report) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => report(value);
    }
}
