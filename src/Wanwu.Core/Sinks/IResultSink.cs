namespace Wanwu.Sinks;

/// <summary>Receives finished records, one batch at a time, off the inference path, and finishes its file at the end.</summary>
internal interface IResultSink : IAsyncDisposable
{
    /// <summary>Writes the records of one batch; when it returns, they are durable enough to survive a crash of wanwu.</summary>
    ValueTask WriteAsync(IReadOnlyList<ImageResult> results, CancellationToken ct);

    /// <summary>
    /// Called once when the run ends, completed or not, after every batch was written and before the next sink finishes:
    /// the journal compacts itself here, and formats derived from it catch up with it.
    /// </summary>
    ValueTask FinishAsync() => ValueTask.CompletedTask;
}
