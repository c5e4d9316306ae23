using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Orleans.Hosting;
using Orleans.TestingHost;
using Wanwu.Cluster;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>Registers wanwu's worker in every silo of an in-process test cluster.</summary>
public sealed class WanwuSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddWanwuWorker();
}

/// <summary>Shards and the cluster run: a real Orleans cluster in this process, then real silo processes on Redis.</summary>
public sealed class ClusterTests
{
    [Fact]
    public void Shards_keep_their_images_when_the_listing_grows()
    {
        using var dir = new TempDir();
        var photos = TestPaths.SomePhotos(12);
        Directory.CreateDirectory(dir["in/a"]);
        Directory.CreateDirectory(dir["in/b"]);
        foreach (var p in photos.Take(7)) File.Copy(p, dir["in/a/" + Path.GetFileName(p)]);
        foreach (var p in photos.Skip(7).Take(3)) File.Copy(p, dir["in/b/" + Path.GetFileName(p)]);

        var first = ShardPlan.Prepare([dir["in"]], dir["out"], shardSize: 4);
        // a/ fills one shard of 4 and half of the next; b/ starts a new one because the half-full shard ends at the folder.
        Assert.Equal([4, 3, 3], first.Shards.Select(s => s.Count));
        var before = first.Shards.ToDictionary(s => s.Id, s => File.ReadAllText(s.InputsPath));

        foreach (var p in photos.Skip(10)) File.Copy(p, dir["in/a/" + Path.GetFileName(p)]);
        var second = ShardPlan.Prepare([dir["in"]], dir["out"], shardSize: 4);
        Assert.Equal([4, 3, 3, 2], second.Shards.Select(s => s.Count));
        foreach (var (id, text) in before) Assert.Equal(text, File.ReadAllText(second.Shards.Single(s => s.Id == id).InputsPath));
        var names = second.Shards.SelectMany(s => File.ReadLines(s.InputsPath)).Select(l => l.Split('\t')[0]).ToList();
        Assert.Equal(12, names.Distinct().Count());
        Assert.Equal(12, names.Count);
    }

    [Fact]
    public async Task A_test_cluster_gives_the_single_machine_records_even_when_a_silo_dies()
    {
        using var dir = new TempDir();
        var inputs = ManyPhotos(dir, copies: 3);
        var options = Options(inputs, dir["single"]);
        await TaggingEngine.RunAsync(options, ct: TestContext.Current.CancellationToken);

        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<WanwuSiloConfigurator>();
        await using var cluster = builder.Build();
        await cluster.DeployAsync(TestContext.Current.CancellationToken);
        var log = new StringWriter();
        var coordinator = new ClusterCoordinator(cluster.Client, TextWriter.Synchronized(log)) { PollWait = TimeSpan.FromMilliseconds(500) };
        var victim = cluster.SecondarySilos[0];

        // A coordinator that died left a shard running on the primary silo's worker: this run must take it over.
        var orphan = ShardPlan.Prepare([inputs], dir["cluster"], shardSize: 25).Shards[3];
        Orleans.Runtime.RequestContext.Set(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey, cluster.Primary!.SiloAddress);
        var primaryWorker = cluster.Client.GetGrain<IShardWorker>(cluster.Primary!.SiloAddress.ToParsableString());
        await primaryWorker.Start(new ShardJob(orphan.Id, OptionsJson.Write(options with { Inputs = [orphan.InputsPath], Output = options.Output with { Dir = orphan.Dir } })));
        Orleans.Runtime.RequestContext.Clear();

        var killed = false;
        var progress = new Progress<RunProgress>(p =>
        {
            // Once work is under way, one silo dies with its shard half done.
            if (p.Done >= 30 && !killed) { killed = true; _ = cluster.KillSiloAsync(victim); }
        });
        var summary = await coordinator.RunAsync(options with { Output = options.Output with { Dir = dir["cluster"] } }, shardSize: 25, progress, TestContext.Current.CancellationToken);

        Assert.True(killed, "the silo was never killed: the run ended too soon");
        Assert.Contains($"is still on shard {orphan.Id}", log.ToString());
        Assert.Equal(300, summary.Total);
        Assert.Equal(12, summary.Shards);
        AssertSameRecords(dir["single"], ShardRecords(dir["cluster"]));
    }

    [Fact]
    public async Task Several_models_run_on_a_test_cluster_as_on_one_machine()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        foreach (var p in TestPaths.SomePhotos(6).Concat(OcrPhotos.WithText.Take(4).Select(n => Path.Combine(TestPaths.Photos, n + ".JPEG"))))
            File.Copy(p, dir["in/" + Path.GetFileName(p)], overwrite: true);
        var options = Options(dir["in"], dir["single"]) with
        {
            Models = [new ModelOptions { Model = TestPaths.MobileNet, BatchSize = 4 }, new ModelOptions { Model = Models.PpOcrModel.Name }],
        };
        var single = await TaggingEngine.RunAsync(options, ct: TestContext.Current.CancellationToken);

        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<WanwuSiloConfigurator>();
        await using var cluster = builder.Build();
        await cluster.DeployAsync(TestContext.Current.CancellationToken);
        var coordinator = new ClusterCoordinator(cluster.Client) { PollWait = TimeSpan.FromMilliseconds(500) };
        var summary = await coordinator.RunAsync(options with { Output = options.Output with { Dir = dir["cluster"] } }, shardSize: 4, progress: null, TestContext.Current.CancellationToken);

        Assert.Equal(single.Total, summary.Total);
        Assert.Equal(["mobilenet_v2_1.0_224_int8_per_tensor", Models.PpOcrModel.Name], summary.Models!.Select(m => m.Name));
        Assert.Equal(1, summary.Models!.Sum(m => m.Share), 2);
        var merged = ResultJournal.ReadAll(new OutputFolder(dir["cluster"])).ToDictionary(r => r.Path);
        AssertSameRecords(dir["single"], merged.Values);
        foreach (var s in ResultJournal.ReadAll(new OutputFolder(dir["single"])))
        {
            Assert.Equal(s.Texts!.Select(t => t.Text), merged[s.Path].Texts!.Select(t => t.Text));
            Assert.Equal(s.Labels.Select(l => l.Model), merged[s.Path].Labels.Select(l => l.Model));
        }
        Assert.Contains(merged.Values, r => r.Texts!.Count > 0);
    }

    [Fact]
    public async Task Silo_processes_on_redis_survive_a_killed_worker_and_a_killed_coordinator_and_a_rerun_skips_every_shard()
    {
        var redisServer = "/usr/bin/redis-server";
        Assert.SkipUnless(File.Exists(redisServer), "redis-server is not installed (scripts/test.sh installs it from Debian)");
        using var dir = new TempDir();
        var inputs = ManyPhotos(dir, copies: 4);
        await TaggingEngine.RunAsync(Options(inputs, dir["single"]), ct: TestContext.Current.CancellationToken);

        var redisPort = FreePort();
        using var redis = Process.Start(new ProcessStartInfo(redisServer, ["--port", redisPort.ToString(), "--save", "", "--appendonly", "no"]) { RedirectStandardOutput = true })!;
        var cluster = $"redis://127.0.0.1:{redisPort}";
        var workers = new List<Process>();
        try
        {
            await WaitForRedis(redisPort);
            for (var i = 0; i < 3; i++)
            {
                var worker = CliProcess.Start("worker", "--cluster", cluster, "--cluster-id", "t", "--silo-port", FreePort().ToString(), "--gateway-port", FreePort().ToString());
                workers.Add(worker);
                Assert.StartsWith("worker ready", await worker.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken));
            }
            string[] tag = ["tag", "--cluster", cluster, "--cluster-id", "t", "-m", TestPaths.MobileNet, "--shard-size", "25", inputs, "-o", dir["cluster"]];
            var run = CliProcess.Start(tag);
            var stderr = new System.Text.StringBuilder();
            var shardsDone = 0;
            var coordinatorKilled = new TaskCompletionSource();
            run.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (stderr) stderr.AppendLine(e.Data);
                if (!e.Data.StartsWith("shard ", StringComparison.Ordinal) || !e.Data.Contains(" images on ", StringComparison.Ordinal)) return;
                // After the first shard, kill -9 a worker (it holds a shard by then); after the third, the coordinator.
                var n = Interlocked.Increment(ref shardsDone);
                if (n == 1) workers[2].Kill();
                if (n == 3) { run.Kill(); coordinatorKilled.TrySetResult(); }
            };
            run.BeginErrorReadLine();
            Assert.True(run.WaitForExit(TimeSpan.FromMinutes(4)), "the cluster run did not stop: " + stderr);
            Assert.True(coordinatorKilled.Task.IsCompleted, "fewer than three shards finished, so the coordinator was not killed: " + stderr);

            // The same command again: the surviving workers are still on shards of the dead coordinator; it takes them over.
            var resumed = CliProcess.Run(tag);
            Assert.True(resumed.ExitCode == 0, $"exit {resumed.ExitCode}: {stderr}\n--- rerun ---\n{resumed.Stderr}");
            Assert.Contains("results:", resumed.Stdout);

            AssertSameRecords(dir["single"], ShardRecords(dir["cluster"]));
            var summary = RunSummary.Load(dir["cluster/summary.json"]);
            Assert.Equal(400, summary.Total);
            Assert.Equal(16, summary.Shards);

            var again = CliProcess.Run(tag);
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.Contains("0 shards to tag", again.Stderr);
            var rerun = RunSummary.Load(dir["cluster/summary.json"]);
            Assert.Equal((0L, 400L, 400L), (rerun.ThisRun, rerun.Skipped, rerun.Total));
        }
        finally
        {
            foreach (var w in workers) { if (!w.HasExited) w.Kill(); w.Dispose(); }
            redis.Kill();
        }
    }

    /// <summary>The shared photos <paramref name="copies"/> times over, in folders of links, so a run lasts long enough to interrupt.</summary>
    private static string ManyPhotos(TempDir dir, int copies)
    {
        foreach (var copy in Enumerable.Range(0, copies))
        {
            var folder = Directory.CreateDirectory(dir[$"in/set{copy}"]).FullName;
            foreach (var photo in Directory.GetFiles(TestPaths.Photos)) File.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(photo)), photo);
        }
        return dir["in"];
    }

    private static TagRun Options(string inputs, string output) =>
        ModelTestKit.Run([inputs], output, new ModelOptions { Model = TestPaths.MobileNet, BatchSize = 8 });

    private static IEnumerable<ImageResult> ShardRecords(string outputDir) =>
        Directory.GetDirectories(new OutputFolder(outputDir).Shards).SelectMany(d => ResultJournal.ReadAll(new OutputFolder(d)));

    /// <summary>Every image once, with the labels the single-machine engine gave it.</summary>
    private static void AssertSameRecords(string singleOutput, IEnumerable<ImageResult> clusterRecords)
    {
        var single = ResultJournal.ReadAll(new OutputFolder(singleOutput)).ToDictionary(r => r.Path);
        var cluster = clusterRecords.ToList();
        Assert.Equal(cluster.Count, cluster.Select(r => r.Path).Distinct().Count());
        Assert.Equal(single.Keys.Order(StringComparer.Ordinal), cluster.Select(r => r.Path).Order(StringComparer.Ordinal));
        foreach (var r in cluster)
        {
            var s = single[r.Path];
            Assert.Equal((s.Width, s.Height, s.FileSize, s.Error), (r.Width, r.Height, r.FileSize, r.Error));
            Assert.Equal(s.Labels.Select(l => l.Label), r.Labels.Select(l => l.Label));
            foreach (var (a, b) in s.Labels.Zip(r.Labels)) Assert.Equal(a.Score, b.Score, 1e-4f);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForRedis(int port)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) { await Task.Delay(100); }
        }
        throw new TimeoutException("redis-server did not start");
    }
}
