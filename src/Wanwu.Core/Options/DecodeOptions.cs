namespace Wanwu;

/// <summary>How images are read and decoded.</summary>
public sealed record DecodeOptions
{
    /// <summary>Parallel decoders; 0 means one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Images whose header claims more pixels than this are refused before decoding.</summary>
    public long MaxPixels { get; init; } = 20_000L * 20_000L;

    /// <summary>Longest a single decode may take before the image is recorded as an error (isolated runs only).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    internal int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}
