using Microsoft.Extensions.Logging;
using Wanwu.Engine;
using Wanwu.Models;

namespace Wanwu.Cluster;

/// <summary>
/// A silo's worker: tags one shard at a time in the background with the single-machine engine, keeping the models
/// loaded from one shard to the next (they are reloaded only when a run asks for other model options).
/// </summary>
public sealed class ShardRunner(ILogger<ShardRunner> logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, ShardStatus> _finished = new(StringComparer.Ordinal);
    private (string Key, RunModels Models)? _model;
    private (string ShardId, Task Work, CancellationTokenSource Stop)? _current;
    private long _done;

    /// <summary>This worker's name in summaries and logs: host and process id.</summary>
    public string Name { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    public ShardStatus Start(ShardJob job)
    {
        lock (_gate)
        {
            if (_current is { } running) return Status(running.ShardId);
            _finished.Remove(job.ShardId);
            Interlocked.Exchange(ref _done, 0);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            _current = (job.ShardId, Task.Run(() => RunAsync(job, stop)), stop);
            return new ShardStatus(job.ShardId, ShardState.Running, 0, Name);
        }
    }

    public ShardStatus Status(string shardId)
    {
        lock (_gate)
        {
            if (_current?.ShardId == shardId) return new ShardStatus(shardId, ShardState.Running, Interlocked.Read(ref _done), Name);
            return _finished.TryGetValue(shardId, out var status) ? status : new ShardStatus(shardId, ShardState.Unknown, 0, Name);
        }
    }

    /// <summary>The shard's status once it stops running, or after <paramref name="wait"/> at most.</summary>
    public async Task<ShardStatus> WaitAsync(string shardId, TimeSpan wait)
    {
        Task? work;
        lock (_gate) work = _current?.ShardId == shardId ? _current.Value.Work : null;
        if (work is not null) await Task.WhenAny(work, Task.Delay(wait));
        return Status(shardId);
    }

    /// <summary>Cancels the shard if it is the one running; returns once it has stopped.</summary>
    public async Task StopAsync(string shardId)
    {
        Task? work;
        lock (_gate)
        {
            if (_current?.ShardId != shardId) return;
            _current.Value.Stop.Cancel();
            work = _current.Value.Work;
        }
        await work;
    }

    private async Task RunAsync(ShardJob job, CancellationTokenSource stop)
    {
        ShardStatus outcome;
        try
        {
            var options = OptionsJson.Read(job.OptionsJson);
            var models = ModelsFor(options);
            var progress = new Progress<RunProgress>(p => Interlocked.Exchange(ref _done, p.Done));
            var summary = await TaggingEngine.RunAsync(options, models, progress, log: null, stop.Token);
            outcome = new ShardStatus(job.ShardId, ShardState.Completed, summary.ThisRun, Name, Retried: summary.Retried);
            logger.LogInformation("shard {Shard}: {Images} images in {Seconds:0.0} s", job.ShardId, summary.ThisRun, summary.Seconds);
        }
        catch (Exception e)
        {
            outcome = new ShardStatus(job.ShardId, ShardState.Failed, Interlocked.Read(ref _done), Name, $"{e.GetType().Name}: {e.Message}");
            logger.LogWarning("shard {Shard} failed: {Error}", job.ShardId, outcome.Error);
        }
        lock (_gate)
        {
            _finished[job.ShardId] = outcome;
            _current = null;
        }
        stop.Dispose();
    }

    private RunModels ModelsFor(TagRun options)
    {
        var key = OptionsJson.ModelKey(options);
        if (_model is { } loaded && loaded.Key == key) return loaded.Models;
        _model?.Models.Dispose();
        _model = null;
        var models = RunModels.Load(options.AllModels);
        _model = (key, models);
        foreach (var model in models.All) logger.LogInformation("loaded model {Model} on {Provider}", model.Name, model.ExecutionProvider);
        return models;
    }

    /// <summary>Stops the shard in hand (its journal stays resumable) and frees the model, when the silo shuts down.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task? work;
        lock (_gate) work = _current?.Work;
        if (work is not null) await work;
        _model?.Models.Dispose();
        _stopping.Dispose();
    }
}
