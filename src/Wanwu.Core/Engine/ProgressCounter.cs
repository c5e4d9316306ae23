using System.Diagnostics;
using Wanwu.Sources;

namespace Wanwu.Engine;

/// <summary>
/// Counts a run's work for progress reports: images done and failed as batches arrive, and the images to do, counted
/// beside the pipeline so the first images start at once and the ETA appears when the count is known. The inputs are
/// listed a second time for that count rather than held in memory, which would grow with the number of images.
/// </summary>
internal sealed class ProgressCounter : IAsyncDisposable
{
    private readonly IProgress<RunProgress>? _progress;
    private readonly CancellationTokenSource _stop;
    private readonly Task _counting;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _total;
    private bool _totalKnown;

    /// <param name="toDo">A second listing of what the run will tag.</param>
    /// <param name="progress">Receives a report after each batch.</param>
    /// <param name="ct">Stops the counting.</param>
    public ProgressCounter(IEnumerable<InputItem> toDo, IProgress<RunProgress>? progress, CancellationToken ct)
    {
        _progress = progress;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = _stop.Token;
        _counting = Task.Run(() =>
        {
            foreach (var _ in toDo)
            {
                token.ThrowIfCancellationRequested();
                Interlocked.Increment(ref _total);
            }
            Volatile.Write(ref _totalKnown, true);
        }, token);
    }

    public long Done { get; private set; }
    public long Failed { get; private set; }
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Counts a written batch and reports.</summary>
    public void Add(IReadOnlyList<ImageResult> batch)
    {
        Done += batch.Count;
        Failed += batch.Count(r => r.Error is not null);
        _progress?.Report(new RunProgress(Done, Failed, Math.Max(Done, Interlocked.Read(ref _total)), Volatile.Read(ref _totalKnown), _clock.Elapsed));
    }

    /// <summary>Stops counting if it is still going (the run ended early).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _counting; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
