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
/// duplicated), and writes one summary.json over every shard and the shards' records merged (<see cref="ShardMerge"/>).
/// With <see cref="OutputOptions.RetryErrors"/>, finished shards whose records hold retryable errors run again.
/// </summary>
public sealed class ClusterCoordinator(IClusterClient client, TextWriter? log = null)
{
    /// <summary>Times a shard may fail on a worker (not by the worker leaving) before the run gives up on it.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How long the run waits with no worker in the cluster before it stops.</summary>
    public TimeSpan WaitForWorkers { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest a worker holds a status call open before it reports progress.</summary>
    public TimeSpan PollWait { get; init; } = TimeSpan.FromSeconds(2);

    public async Task<RunSummary> RunAsync(TagRun options, int shardSize, IProgress<RunProgress>? progress = null, CancellationToken ct = default)
    {
        Sources.ImageSources.Validate(options.Inputs);
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var folder = new OutputFolder(options.Output.Dir);
        ShardMerge.Prepare(folder, options.Output.Overwrite);
        var plan = ShardPlan.Prepare(options.Inputs, options.Output.Dir, shardSize);
        var toDo = plan.Shards.Where(s => !s.IsCommitted || (options.Output.RetryErrors && s.HasRetryableErrors)).ToList();
        var skipped = plan.Shards.Sum(s => (long)s.Count) - toDo.Sum(s => (long)s.Count);
        log?.WriteLine($"{plan.Shards.Count} shards, {plan.Shards.Sum(s => s.Count)} images; {toDo.Count} shards to tag");

        var state = new RunState(toDo);
        var drivers = new Dictionary<SiloAddress, Task>();
        var lonely = Stopwatch.StartNew();
        while (!state.Finished)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var silo in await ActiveSilosAsync(ct) ?? [])
            {
                if (drivers.TryGetValue(silo, out var driver) && !driver.IsCompleted) continue;
                if (!state.HasPending) continue;
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
        // The summary first: it is what marks the merged files as a cluster run's.
        OutputFolder.WriteAtomic(folder.Summary, summary.ToUtf8());
        await ShardMerge.WriteAsync(folder, plan.Shards.Select(s => new OutputFolder(s.Dir)), options.Output, ct);
        return summary;
    }

    /// <summary>Feeds one worker shard after shard until none is left or the worker leaves the cluster.</summary>
    private async Task DriveAsync(SiloAddress silo, TagRun options, RunState state, CancellationToken ct)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        var worker = client.GetGrain<IShardWorker>(silo.ToParsableString());
        while (state.TryTake(out var shard))
        {
            var (ran, outcome) = await RunShardAsync(worker, silo, shard, options, state, ct);
            if (ran is null) continue;
            switch (outcome.State)
            {
                case ShardState.Completed:
                    state.Complete(ran, outcome);
                    log?.WriteLine($"shard {ran.Id}: {outcome.Done} images on {outcome.Worker}");
                    break;
                case ShardState.Failed when state.Failed(ran) >= MaxAttempts:
                    state.GiveUp(ran, outcome.Error ?? "failed");
                    break;
                default:
                    state.Release(ran);
                    if (outcome.State == ShardState.Unknown)
                    {
                        log?.WriteLine($"worker {silo} left the cluster; shard {ran.Id} goes to another worker");
                        return;
                    }
                    log?.WriteLine($"shard {ran.Id} failed on {outcome.Worker}: {outcome.Error}; retrying");
                    break;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="shard"/> on the worker and waits for it. A worker still busy with a shard of an earlier,
    /// interrupted coordinator is waited for instead, and that shard is taken over if it is one of this run's: the
    /// returned shard is the one whose outcome is returned, or null when the worker ran something else.
    /// </summary>
    private async Task<(ShardPlan.Shard?, ShardStatus)> RunShardAsync(IShardWorker worker, SiloAddress silo, ShardPlan.Shard shard, TagRun options, RunState state, CancellationToken ct)
    {
        var job = new ShardJob(shard.Id, OptionsJson.Write(options with
        {
            Inputs = [shard.InputsPath], Output = options.Output with { Dir = shard.Dir, Overwrite = false },
        }));
        ShardStatus started;
        try
        {
            started = await worker.Start(job).WaitAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (shard, new ShardStatus(shard.Id, ShardState.Unknown, 0, silo.ToString()));
        }
        var running = shard;
        if (started.ShardId != shard.Id)
        {
            state.Release(shard);
            running = state.TryAdopt(started.ShardId);
            log?.WriteLine($"worker {started.Worker} is still on shard {started.ShardId} of an earlier run; waiting for it");
        }
        long reported = 0;
        try
        {
            var status = await PollUntilDoneAsync(worker, silo, started.ShardId, running is not null, state, done => reported = done, ct);
            return (running, status);
        }
        catch (OperationCanceledException)
        {
            // The run is stopping: stop the shard too, so a rerun finds its folder free (its journal keeps what is done).
            try { await worker.Stop(started.ShardId).WaitAsync(TimeSpan.FromSeconds(5)); }
            catch (Exception e) when (e is not OperationCanceledException) { }
            throw;
        }
        finally
        {
            state.Progress(-reported);
        }
    }

    private async Task<ShardStatus> PollUntilDoneAsync(IShardWorker worker, SiloAddress silo, string shardId, bool counts, RunState state, Action<long> report, CancellationToken ct)
    {
        long reported = 0;
        while (true)
        {
            ShardStatus status;
            try
            {
                status = await worker.Poll(shardId, PollWait).WaitAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A slow answer is not a dead worker: only the cluster's membership decides that.
                if (!await IsActiveAsync(silo)) return new ShardStatus(shardId, ShardState.Unknown, 0, silo.ToString());
                await Task.Delay(PollWait, ct);
                continue;
            }
            if (status.State != ShardState.Running) return status;
            if (!counts) continue;
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

    private static RunSummary Summarise(ShardPlan plan, TagRun options, RunState state, DateTimeOffset started, double seconds, long skipped)
    {
        var shardSummaries = plan.Shards.Select(s => new Sinks.OutputFolder(s.Dir).Summary).Where(File.Exists).Select(RunSummary.Load).ToList();
        var first = shardSummaries.FirstOrDefault();
        var records = plan.Shards.SelectMany(s => Sinks.ResultJournal.ReadAll(new Sinks.OutputFolder(s.Dir)));
        var facts = new RunFacts(started, seconds, state.Workers.Values.Sum(), skipped, Completed: true,
            first?.Model ?? string.Join("+", options.AllModels.Select(m => m.Model)), first?.ModelPath ?? "", first?.Task ?? "",
            string.Join(",", shardSummaries.Select(s => s.ExecutionProvider).Distinct()), first?.BatchSize ?? options.Model.BatchSize,
            first?.LabelsLanguage ?? "zh", first?.Precision ?? "as-is", state.Retried) { Models = ModelTimes(shardSummaries) };
        return RunSummary.Of(records, options, facts) with
        {
            DecodeThreads = first?.DecodeThreads ?? options.Decode.Threads,
            Shards = plan.Shards.Count, Workers = state.Workers.ToDictionary(),
        };
    }

    /// <summary>Each model's time over every shard, and its share of the whole.</summary>
    private static IReadOnlyList<ModelSummary>? ModelTimes(IReadOnlyList<RunSummary> shards)
    {
        var models = shards.FirstOrDefault(s => s.Models is not null)?.Models;
        if (models is null) return null;
        var seconds = models.Select(m => shards.Sum(s => s.Models?.FirstOrDefault(x => x.Name == m.Name)?.Seconds ?? 0)).ToList();
        var total = seconds.Sum();
        return [.. models.Select((m, i) => m with { Seconds = Math.Round(seconds[i], 3), Share = total > 0 ? Math.Round(seconds[i] / total, 4) : 0 })];
    }

    /// <summary>What the drivers share: shards left and taken, images done, failures per shard, images per worker.</summary>
    private sealed class RunState(IReadOnlyList<ShardPlan.Shard> toDo)
    {
        private readonly ConcurrentQueue<ShardPlan.Shard> _pending = new(toDo);
        private readonly Dictionary<string, ShardPlan.Shard> _byId = toDo.ToDictionary(s => s.Id);
        private readonly ConcurrentDictionary<string, byte> _taken = new();
        private readonly ConcurrentDictionary<string, byte> _finished = new();
        private readonly ConcurrentDictionary<string, int> _failures = new();
        private int _left = toDo.Count;
        private long _done;
        private long _retried;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Images { get; } = toDo.Sum(s => (long)s.Count);
        public long Done => Interlocked.Read(ref _done);
        public bool Finished => Volatile.Read(ref _left) == 0;
        public bool HasPending => !_pending.IsEmpty;
        public Task Changed => _changed.Task;
        public ConcurrentDictionary<string, long> Workers { get; } = new();
        public ConcurrentDictionary<string, string> GaveUp { get; } = new();
        /// <summary>Images with an error record tagged again, over the shards completed in this run.</summary>
        public long Retried => Interlocked.Read(ref _retried);

        /// <summary>The next shard no driver holds and none has finished.</summary>
        public bool TryTake(out ShardPlan.Shard shard)
        {
            while (_pending.TryDequeue(out shard!))
                if (!_finished.ContainsKey(shard.Id) && _taken.TryAdd(shard.Id, 0)) return true;
            return false;
        }

        /// <summary>Takes over a shard a worker is already running, if it is this run's and no driver holds it.</summary>
        public ShardPlan.Shard? TryAdopt(string id) =>
            _byId.TryGetValue(id, out var shard) && !_finished.ContainsKey(id) && _taken.TryAdd(id, 0) ? shard : null;

        public void Progress(long images) => Interlocked.Add(ref _done, images);

        public void Complete(ShardPlan.Shard shard, ShardStatus status)
        {
            Workers.AddOrUpdate(status.Worker, status.Done, (_, n) => n + status.Done);
            if (!Finish(shard)) return;
            Interlocked.Add(ref _done, shard.Count);
            Interlocked.Add(ref _retried, status.Retried);
        }

        public int Failed(ShardPlan.Shard shard) => _failures.AddOrUpdate(shard.Id, 1, (_, n) => n + 1);

        public void GiveUp(ShardPlan.Shard shard, string error)
        {
            GaveUp[shard.Id] = error;
            Finish(shard);
        }

        public void Release(ShardPlan.Shard shard)
        {
            _taken.TryRemove(shard.Id, out _);
            _pending.Enqueue(shard);
            Signal();
        }

        private bool Finish(ShardPlan.Shard shard)
        {
            _taken.TryRemove(shard.Id, out _);
            if (!_finished.TryAdd(shard.Id, 0)) return false;
            Interlocked.Decrement(ref _left);
            Signal();
            return true;
        }

        private void Signal() => Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}

/// <summary>A cluster run cannot go on: no worker joined, or a shard keeps failing.</summary>
public sealed class ClusterException(string message) : WanwuException(message);
