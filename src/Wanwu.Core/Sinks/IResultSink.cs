namespace Wanwu.Sinks;

/// <summary>Receives finished records, one batch at a time, off the inference path.</summary>
public interface IResultSink : IAsyncDisposable
{
    /// <summary>Writes the records of one batch; when it returns, they are durable enough to survive a crash of wanwu.</summary>
    ValueTask WriteAsync(IReadOnlyList<ImageResult> results, CancellationToken ct);
}
