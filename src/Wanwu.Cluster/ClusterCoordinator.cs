using System.Collections.Concurrent;
using System.Diagnostics;
using Orleans;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Cluster;

/// <summary>
/// <c>wanwu tag --cluster</c>: cuts the listing into shards, gives each live worker one shard at a time, gives the
/// shard of a worker that leaves the cluster to another (it resumes from that shard's journal, so nothing is
/// duplicated), and writes one summary.json over every shard.
/// </summary>
public sealed class ClusterCoordinator(IClusterClient client, TextWriter? log = null)
{
    /// <summary>Times a shard may fail on a worker (not by the worker leaving) before the run gives up on it.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How long the run waits with no worker in the cluster before it stops.</summary>
    public TimeSpan WaitForWorkers { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest a worker holds a status call open before it reports progress.</summary>
    public TimeSpan PollWait { get; init; } = TimeSpan.FromSeconds(2);

    public async Task<RunSummary> RunAsync(TagOptions options, int shardSize, IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        Sources.ImageSources.Validate(options.Inputs);
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        if (options.Overwrite) ShardPlan.Clear(options.OutputDir);
        var plan = ShardPlan.Prepare(options.Inputs, options.OutputDir, shardSize);
        var pending = new ConcurrentQueue<ShardPlan.Shard>(plan.Shards.Where(s => !s.IsCommitted));
        var skipped = plan.Shards.Where(s => s.IsCommitted).Sum(s => (long)s.Count);
        var toDo = pending.Count;
        log?.WriteLine($"{plan.Shards.Count} shards, {plan.Shards.Sum(s => s.Count)} images; {toDo} shards to tag");

        var state = new RunState(pending, toDo, plan.Shards.Where(s => !s.IsCommitted).Sum(s => (long)s.Count));
        var drivers = new Dictionary<SiloAddress, Task>();
        var lonely = Stopwatch.StartNew();
        while (!state.Finished)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var silo in await ActiveSilosAsync(ct) ?? [])
            {
                if (drivers.TryGetValue(silo, out var driver) && !driver.IsCompleted) continue;
                if (state.Pending.IsEmpty) continue;
                drivers[silo] = Task.Run(() => DriveAsync(silo, options, state, ct), ct);
            }
            if (drivers.Values.Any(d => !d.IsCompleted)) lonely.Restart();
            else if (lonely.Elapsed > WaitForWorkers)
                throw new ClusterException($"no wanwu worker joined the cluster in {WaitForWorkers.TotalSeconds:0} s: start one with 'wanwu worker' and the same --cluster");
            progress?.Report(new RunProgress(state.Done, 0, state.Images, true, clock.Elapsed));
            await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(1), ct), state.Changed);
        }
        await Task.WhenAll(drivers.Values.Where(d => !d.IsCompleted).Select(d => d.ContinueWith(_ => { }, TaskScheduler.Default)));
        if (state.GaveUp.Count > 0)
            throw new ClusterException($"shard(s) {string.Join(", ", state.GaveUp.Keys.Order())} failed {MaxAttempts} times: {state.GaveUp.Values.First()}");

        var summary = Summarise(plan, options, state, started, clock.Elapsed.TotalSeconds, skipped);
        SinkFiles.WriteAtomic(Path.Combine(options.OutputDir, RunSummary.FileName), summary.ToUtf8());
        return summary;
    }

    /// <summary>Feeds one worker shard after shard until none is left or the worker leaves the cluster.</summary>
    private async Task DriveAsync(SiloAddress silo, TagOptions options, RunState state, CancellationToken ct)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        var worker = client.GetGrain<IShardWorker>(silo.ToParsableString());
        while (state.Pending.TryDequeue(out var shard))
        {
            var job = new ShardJob(shard.Id, OptionsJson.Write(options with
            {
                Inputs = [shard.InputsPath], OutputDir = shard.Dir, Overwrite = false, OnlyPaths = null,
            }));
            var outcome = await RunShardAsync(worker, silo, job, state, ct);
            switch (outcome.State)
            {
                case ShardState.Completed:
                    state.Complete(shard, outcome);
                    log?.WriteLine($"shard {shard.Id}: {outcome.Done} images on {outcome.Worker}");
                    break;
                case ShardState.Failed when state.Failed(shard, outcome.Error ?? "failed") >= MaxAttempts:
                    state.GiveUp(shard, outcome.Error ?? "failed");
                    break;
                default:
                    state.Requeue(shard);
                    if (outcome.State == ShardState.Unknown)
                    {
                        log?.WriteLine($"worker {silo} left the cluster; shard {shard.Id} goes to another worker");
                        return;
                    }
                    log?.WriteLine($"shard {shard.Id} failed on {outcome.Worker}: {outcome.Error}; retrying");
                    break;
            }
        }
    }

    private async Task<ShardStatus> RunShardAsync(IShardWorker worker, SiloAddress silo, ShardJob job, RunState state, CancellationToken ct)
    {
        var lost = new ShardStatus(job.ShardId, ShardState.Unknown, 0, silo.ToString());
        try
        {
            await worker.Start(job).WaitAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return lost;
        }
        long reported = 0;
        try
        {
            return await PollUntilDoneAsync(worker, silo, job, lost, state, done => reported = done, ct);
        }
        finally
        {
            state.Progress(-reported);
        }
    }

    private async Task<ShardStatus> PollUntilDoneAsync(IShardWorker worker, SiloAddress silo, ShardJob job, ShardStatus lost, RunState state, Action<long> report, CancellationToken ct)
    {
        long reported = 0;
        while (true)
        {
            ShardStatus status;
            try
            {
                status = await worker.Poll(job.ShardId, PollWait).WaitAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A slow answer is not a dead worker: only the cluster's membership decides that.
                if (!await IsActiveAsync(silo)) return lost;
                await Task.Delay(PollWait, ct);
                continue;
            }
            if (status.State != ShardState.Running) return status;
            state.Progress(status.Done - reported);
            reported = status.Done;
            report(reported);
        }
    }

    /// <summary>Active silos, or null while the cluster cannot answer (say, the gateway in use just died).</summary>
    private async Task<ICollection<SiloAddress>?> ActiveSilosAsync(CancellationToken ct)
    {
        try
        {
            return (await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(ct)).Keys;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    private async Task<bool> IsActiveAsync(SiloAddress silo) => (await ActiveSilosAsync(CancellationToken.None))?.Contains(silo) ?? true;

    private static RunSummary Summarise(ShardPlan plan, TagOptions options, RunState state, DateTimeOffset started, double seconds, long skipped)
    {
        var shardSummaries = plan.Shards.Select(s => Path.Combine(s.Dir, RunSummary.FileName)).Where(File.Exists).Select(RunSummary.Load).ToList();
        var tally = ResultTally.Of(plan.Shards.SelectMany(s => ResultJournal.ReadAll(s.Dir)));
        var first = shardSummaries.FirstOrDefault();
        var thisRun = state.Workers.Values.Sum();
        return new RunSummary
        {
            Total = tally.Total, Ok = tally.Total - tally.Failed, Failed = tally.Failed, ThisRun = thisRun, Skipped = skipped,
            Seconds = Math.Round(seconds, 3), ImagesPerSecond = seconds > 0 ? Math.Round(thisRun / seconds, 2) : 0,
            Model = first?.Model ?? options.Model, ModelPath = first?.ModelPath ?? "", Task = first?.Task ?? "",
            ExecutionProvider = string.Join(",", shardSummaries.Select(s => s.ExecutionProvider).Distinct()),
            BatchSize = first?.BatchSize ?? options.BatchSize, DecodeThreads = first?.DecodeThreads ?? options.DecodeThreads,
            Completed = true, StartedAt = started, FinishedAt = DateTimeOffset.Now,
            Inputs = options.Inputs, OutputDir = Path.GetFullPath(options.OutputDir),
            TopLabels = tally.TopLabels, Errors = tally.Errors,
            Shards = plan.Shards.Count, Workers = state.Workers.ToDictionary(),
        };
    }

    /// <summary>What the drivers share: shards left, images done, failures per shard, images per worker.</summary>
    private sealed class RunState(ConcurrentQueue<ShardPlan.Shard> pending, int shards, long images)
    {
        private int _left = shards;
        private long _done;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentDictionary<string, int> _failures = new();

        public ConcurrentQueue<ShardPlan.Shard> Pending { get; } = pending;
        public long Images { get; } = images;
        public long Done => Interlocked.Read(ref _done);
        public bool Finished => Volatile.Read(ref _left) == 0;
        public Task Changed => _changed.Task;
        public ConcurrentDictionary<string, long> Workers { get; } = new();
        public ConcurrentDictionary<string, string> GaveUp { get; } = new();

        public void Progress(long images) => Interlocked.Add(ref _done, images);

        public void Complete(ShardPlan.Shard shard, ShardStatus status)
        {
            Interlocked.Add(ref _done, shard.Count);
            Workers.AddOrUpdate(status.Worker, status.Done, (_, n) => n + status.Done);
            Finish();
        }

        public int Failed(ShardPlan.Shard shard, string error) => _failures.AddOrUpdate(shard.Id, 1, (_, n) => n + 1);

        public void GiveUp(ShardPlan.Shard shard, string error)
        {
            GaveUp[shard.Id] = error;
            Finish();
        }

        public void Requeue(ShardPlan.Shard shard)
        {
            Pending.Enqueue(shard);
            Signal();
        }

        private void Finish()
        {
            Interlocked.Decrement(ref _left);
            Signal();
        }

        private void Signal() => Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}

/// <summary>A cluster run cannot go on: no worker joined, or a shard keeps failing.</summary>
public sealed class ClusterException(string message) : WanwuException(message);
