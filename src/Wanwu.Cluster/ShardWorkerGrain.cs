using Orleans;
using Orleans.Runtime;

namespace Wanwu.Cluster;

/// <summary>The grain face of a silo's <see cref="ShardRunner"/>.</summary>
public sealed class ShardWorkerGrain(ShardRunner runner, ILocalSiloDetails silo) : Grain, IShardWorker
{
    public Task<ShardStatus> Start(ShardJob job)
    {
        // Keyed by the silo it was meant for: if that silo is gone, Orleans places the grain elsewhere, and this
        // worker must not take the shard behind the coordinator's back.
        if (this.GetPrimaryKeyString() != silo.SiloAddress.ToParsableString())
            throw new WorkerGoneException($"worker {this.GetPrimaryKeyString()} is no longer in the cluster");
        return Task.FromResult(runner.Start(job));
    }

    public Task<ShardStatus> Poll(string shardId, TimeSpan wait) => runner.WaitAsync(shardId, wait);

    public Task Stop(string shardId) => runner.StopAsync(shardId);
}

/// <summary>The silo a shard was meant for has left the cluster; the coordinator gives the shard to another.</summary>
[GenerateSerializer]
public sealed class WorkerGoneException : Exception
{
    public WorkerGoneException() { }
    public WorkerGoneException(string message) : base(message) { }
    public WorkerGoneException(string message, Exception inner) : base(message, inner) { }
}
