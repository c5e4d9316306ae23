using System.Text.Json;
using DuckDB.NET.Data;
using Orleans.TestingHost;
using Wanwu.Cluster;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>
/// A cluster run's output folder reads like a single run's (one results.jsonl and results.parquet over every shard,
/// <c>wanwu report</c>), and <c>--retry-errors</c> runs again a finished shard whose records hold a transient error.
/// On a two-silo Orleans test cluster in this process.
/// </summary>
public sealed class ClusterOutputTests
{
    [Fact]
    public async Task A_cluster_run_merges_its_shards_retries_a_shard_with_a_read_error_and_reports_every_image()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();
        var photos = TestPaths.SomePhotos(24);
        foreach (var (photo, i) in photos.Select((p, i) => (p, i)))
        {
            var folder = Directory.CreateDirectory(dir[i < 12 ? "in/a" : "in/b"]).FullName;
            File.Copy(photo, Path.Combine(folder, Path.GetFileName(photo)));
        }
        var run = ModelTestKit.Run([dir["in"]], dir["single"], new ModelOptions { Model = TestPaths.MobileNet, BatchSize = 8 }, OutputFormat.Parquet);
        await TaggingEngine.RunAsync(run, ct: ct);
        var cluster = run with { Output = run.Output with { Dir = dir["cluster"] } };

        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<WanwuSiloConfigurator>();
        await using var testCluster = builder.Build();
        await testCluster.DeployAsync(ct);
        var log = new StringWriter();
        var coordinator = new ClusterCoordinator(testCluster.Client, TextWriter.Synchronized(log)) { PollWait = TimeSpan.FromMilliseconds(500) };

        // Another handle holds one photo locked (a real flock) for the whole first run: it cannot be read.
        var locked = Path.Combine("b", Path.GetFileName(photos[15]));
        using (new FileStream(dir["in/" + locked], FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            await coordinator.RunAsync(cluster, shardSize: 8, ct: ct);
        var first = ResultJournal.ReadAll(new OutputFolder(dir["cluster"])).ToList();
        Assert.Equal(24, first.Count);
        Assert.Equal(ImageErrorTypes.ReadError, first.Single(r => r.Path == locked).Error?.Type);

        // A plain rerun leaves the error; a retry runs that one shard again and tags the image.
        var plain = await coordinator.RunAsync(cluster, shardSize: 8, ct: ct);
        Assert.Equal((0L, 1L), (plain.ThisRun, plain.Failed));
        Assert.Contains("0 shards to tag", log.ToString());
        var retried = await coordinator.RunAsync(cluster with { Output = cluster.Output with { RetryErrors = true } }, shardSize: 8, ct: ct);
        Assert.Contains("1 shards to tag", log.ToString());
        Assert.Equal((1L, 1L, 0L, 24L), (retried.ThisRun, retried.Retried, retried.Failed, retried.Total));

        AssertSameParquet(dir["single/" + OutputFolder.ParquetFile], dir["cluster/" + OutputFolder.ParquetFile]);
        var merged = File.ReadAllLines(dir["cluster/" + OutputFolder.ResultsFile]);
        Assert.Equal(24, merged.Length);

        // wanwu report on the cluster's folder lists every image, from the merged journal or, before a run merges, the shards'.
        AssertReportListsEveryImage(dir["cluster"], photos);
        File.Delete(dir["cluster/" + OutputFolder.ResultsFile]);
        AssertReportListsEveryImage(dir["cluster"], photos);
    }

    [Fact]
    public async Task A_cluster_run_does_not_replace_the_journal_of_a_single_machine_run()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["out"]);
        File.WriteAllText(dir["out/" + OutputFolder.ResultsFile], "");
        var run = ModelTestKit.Run([TestPaths.Photos], dir["out"], new ModelOptions { Model = TestPaths.MobileNet });
        // No worker is needed to refuse: the folder is checked before any shard is planned.
        var coordinator = new ClusterCoordinator(null!);
        var e = await Assert.ThrowsAsync<OutputException>(() => coordinator.RunAsync(run, shardSize: 8, ct: TestContext.Current.CancellationToken));
        Assert.Contains("single-machine run", e.Message);
        Assert.False(Directory.Exists(dir["out/" + OutputFolder.ShardsFolder]));
    }

    private static Dictionary<string, (int? Width, string? Error, long Size, List<(int Id, double Score)> Labels)> ReadParquet(DuckDBConnection db, string file)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT path, width, error_type, file_size, to_json(labels)::VARCHAR FROM read_parquet('{file}')";
        using var reader = cmd.ExecuteReader();
        var rows = new Dictionary<string, (int?, string?, long, List<(int, double)>)>();
        while (reader.Read())
        {
            var labels = JsonDocument.Parse(reader.GetString(4)).RootElement.EnumerateArray()
                .Select(l => (l.GetProperty("id").GetInt32(), l.GetProperty("score").GetDouble())).ToList();
            rows.Add(reader.GetString(0), (reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3), labels));
        }
        return rows;
    }

    /// <summary>DuckDB reads both files: the same images, sizes, errors and classes, the same scores but for float noise.</summary>
    private static void AssertSameParquet(string single, string cluster)
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        var expected = ReadParquet(db, single);
        var actual = ReadParquet(db, cluster);
        Assert.Equal(24, expected.Count);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, row) in expected)
        {
            var other = actual[path];
            Assert.Equal((row.Width, row.Error, row.Size), (other.Width, other.Error, other.Size));
            Assert.Equal(row.Labels.Select(l => l.Id), other.Labels.Select(l => l.Id));
            foreach (var (a, b) in row.Labels.Zip(other.Labels)) Assert.Equal(a.Score, b.Score, 1e-4);
        }
    }

    private static void AssertReportListsEveryImage(string outputDir, IEnumerable<string> photos)
    {
        File.Delete(Path.Combine(outputDir, OutputFolder.ReportFile));
        var r = CliProcess.Run("report", outputDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var html = File.ReadAllText(Path.Combine(outputDir, OutputFolder.ReportFile));
        Assert.Contains("24 records", r.Stderr);
        Assert.All(photos, p => Assert.Contains(Path.GetFileName(p), html));
    }
}
