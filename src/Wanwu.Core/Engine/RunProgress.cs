namespace Wanwu.Engine;

/// <summary>A snapshot of a run for progress displays.</summary>
/// <param name="Done">Images with a record written.</param>
/// <param name="Failed">Of those, images with an error record.</param>
/// <param name="Total">Images found so far; final once <paramref name="TotalKnown"/>.</param>
/// <param name="TotalKnown">Whether counting the inputs has finished.</param>
/// <param name="Elapsed">Time since the first image was queued.</param>
public sealed record RunProgress(long Done, long Failed, long Total, bool TotalKnown, TimeSpan Elapsed)
{
    public double ImagesPerSecond => Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : 0;

    /// <summary>Time left at the current rate, when the total is known.</summary>
    public TimeSpan? Eta => TotalKnown && ImagesPerSecond > 0 ? TimeSpan.FromSeconds((Total - Done) / ImagesPerSecond) : null;
}
