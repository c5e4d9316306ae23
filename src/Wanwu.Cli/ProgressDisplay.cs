using Spectre.Console;
using Wanwu.Engine;

namespace Wanwu.Cli;

/// <summary>Shows a run's progress: a live bar on a terminal, a plain line every few seconds when redirected, nothing with --quiet.</summary>
public static class ProgressDisplay
{
    /// <summary>Runs <paramref name="run"/> with a progress sink and the log its notes go to (null for none).</summary>
    public static async Task<T> RunAsync<T>(bool quiet, Func<IProgress<RunProgress>?, TextWriter?, Task<T>> run)
    {
        if (quiet) return await run(null, null);
        if (Console.IsErrorRedirected || !Cli.Err.Profile.Capabilities.Interactive)
        {
            var last = DateTime.MinValue;
            return await run(new SyncProgress(p =>
            {
                if ((DateTime.UtcNow - last).TotalSeconds < 2) return;
                last = DateTime.UtcNow;
                Console.Error.WriteLine(Line(p));
            }), Console.Error);
        }
        T result = default!;
        var bar = new ProgressBarColumn();
        await Cli.Err.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), bar, new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("tagging", maxValue: 1);
                using var log = new LiveLogWriter(Cli.Err);
                result = await run(new SyncProgress(p =>
                {
                    var (text, width) = Fit(p, Cli.Err.Profile.Width);
                    // Only narrower: a bar that changed width with every digit of the speed would jitter.
                    bar.Width = Math.Min(bar.Width ?? width, width);
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = Markup.Escape(text);
                }), log);
                task.StopTask();
            });
        return result;
    }

    private const int WidestBar = 40, NarrowestBar = 10;
    /// <summary>Percentage ("100%"), spinner, a space after each of the first three columns, and one column spare.</summary>
    private const int BesideBar = 4 + 1 + 3 + 1;

    /// <summary>
    /// The description and bar width that keep the row on one line of a terminal <paramref name="width"/> columns wide:
    /// a row wider than the terminal wraps, and the display loses track of its rows.
    /// </summary>
    public static (string Text, int BarWidth) Fit(RunProgress p, int width)
    {
        var count = p.TotalKnown ? $"{p.Done}/{p.Total}" : $"{p.Done}";
        string[] shorter = [Line(p), p.Eta is { } e ? $"{count} ETA {e:hh\\:mm\\:ss}" : count, count];
        var text = shorter.FirstOrDefault(t => width - BesideBar - t.Length >= NarrowestBar) ?? shorter[^1];
        return (text, Math.Clamp(width - BesideBar - text.Length, 1, WidestBar));
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
