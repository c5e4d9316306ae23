using Orleans;

namespace Wanwu.Cluster;

/// <summary>
/// The wanwu worker of one silo, addressed by that silo's address so the coordinator can give every worker its own
/// shard; the model stays loaded in the silo between shards.
/// </summary>
public interface IShardWorker : IGrainWithStringKey
{
    /// <summary>
    /// Starts tagging a shard in the background. A worker still running a shard (the same one, or another of an
    /// interrupted coordinator) keeps it and answers with that shard's status.
    /// </summary>
    Task<ShardStatus> Start(ShardJob job);

    /// <summary>Stops the shard if it runs here; what it tagged stays in its journal.</summary>
    Task Stop(string shardId);

    /// <summary>
    /// Where the shard stands on this worker, answered as soon as it ends or after <paramref name="wait"/>, so the
    /// coordinator learns of a finished shard at once; <see cref="ShardState.Unknown"/> if it never ran here.
    /// </summary>
    Task<ShardStatus> Poll(string shardId, TimeSpan wait);
}

/// <summary>One shard to tag: the whole run's options as JSON, with this shard's list as input and folder as output.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardJob([property: Id(0)] string ShardId, [property: Id(1)] string OptionsJson);

[GenerateSerializer]
public enum ShardState { Unknown, Running, Completed, Failed }

/// <summary>
/// A shard's state on a worker, with images done so far and the worker's name for the summary; once completed, how
/// many of its images with an error record were tagged again (<c>--retry-errors</c>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardStatus(
    [property: Id(0)] string ShardId,
    [property: Id(1)] ShardState State,
    [property: Id(2)] long Done,
    [property: Id(3)] string Worker,
    [property: Id(4)] string? Error = null,
    [property: Id(5)] long Retried = 0);
