using System.Text.Json;
using DuckDB.NET.Data;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>
/// <see cref="OutputOptions.RetryErrors"/> in the engine: an image whose file could not be read (another handle held it
/// locked, a real flock that holds for root too) keeps its error record on a plain rerun and gets its labels on a
/// retry, with one record per image in every format.
/// </summary>
public class RetryErrorsTests
{
    private static TagRun Options(string input, string output, bool retry = false)
    {
        var run = ModelTestKit.Run([input], output, new ModelOptions { Model = TestPaths.MobileNet, BatchSize = 4 }, OutputFormat.Csv, OutputFormat.Parquet);
        return run with { Output = run.Output with { RetryErrors = retry } };
    }

    private static List<JsonElement> Records(string outputDir) =>
        File.ReadAllLines(Path.Combine(outputDir, OutputFolder.ResultsFile)).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static string? ErrorType(JsonElement record) =>
        record.GetProperty("error") is { ValueKind: JsonValueKind.Object } e ? e.GetProperty("type").GetString() : null;

    [Fact]
    public async Task A_read_error_stays_on_a_plain_rerun_and_is_tagged_on_a_retry_into_every_format()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        foreach (var p in TestPaths.SomePhotos(8)) File.Copy(p, dir["in/" + Path.GetFileName(p)]);
        var locked = Directory.GetFiles(dir["in"]).Order(StringComparer.Ordinal).ElementAt(3);
        var name = Path.GetFileName(locked);
        var ct = TestContext.Current.CancellationToken;

        using (new FileStream(locked, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            await TaggingEngine.RunAsync(Options(dir["in"], dir["out"]), ct: ct);
        var first = Records(dir["out"]).ToDictionary(r => r.GetProperty("path").GetString()!);
        Assert.Equal(ImageErrorTypes.ReadError, ErrorType(first[name]));
        Assert.All(first.Where(kv => kv.Key != name), kv => Assert.Null(ErrorType(kv.Value)));

        // The lock is gone, but a plain rerun counts an error record as done.
        var plain = await TaggingEngine.RunAsync(Options(dir["in"], dir["out"]), ct: ct);
        Assert.Equal((0L, 8L, 1L, 0L), (plain.ThisRun, plain.Skipped, plain.Failed, plain.Retried));

        var retry = await TaggingEngine.RunAsync(Options(dir["in"], dir["out"], retry: true), ct: ct);
        Assert.Equal((1L, 7L, 0L, 1L), (retry.ThisRun, retry.Skipped, retry.Failed, retry.Retried));
        Assert.Equal(1, RunSummary.Load(dir["out/summary.json"]).Retried);

        var records = Records(dir["out"]);
        Assert.Equal(8, records.Count);
        Assert.Equal(8, records.Select(r => r.GetProperty("path").GetString()).Distinct().Count());
        Assert.All(records, r => Assert.Equal(5, r.GetProperty("labels").GetArrayLength()));

        var csv = File.ReadAllLines(dir["out/results.csv"]).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(8, csv.Count);
        Assert.Single(csv, row => row[0] == name);
        Assert.All(csv, row => Assert.Equal("", row[6]));

        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT count(*), count(DISTINCT path), count(error_type), min(len(labels)) FROM read_parquet('{dir["out/" + OutputFolder.ParquetFile]}')";
        using var reader = cmd.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal((8L, 8L, 0L, 5L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));

        // The retry job ended with the run: nothing is left that would hold back the next one.
        Assert.False(File.Exists(new OutputFolder(dir["out"]).Retried));
    }

    [Fact]
    public async Task An_error_this_retry_job_already_tried_is_not_tried_again_and_only_transient_errors_are_retried()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        var photos = TestPaths.SomePhotos(3).ToList();
        foreach (var p in photos) File.Copy(p, dir["in/" + Path.GetFileName(p)]);
        File.WriteAllText(dir["in/broken.jpg"], "not an image");
        var (a, b) = (Path.GetFileName(photos[0]), Path.GetFileName(photos[1]));
        var ct = TestContext.Current.CancellationToken;
        await TaggingEngine.RunAsync(Options(dir["in"], dir["out"]), ct: ct);

        // Two images carry a transient error (as an earlier run that crashed on them would have left), and an earlier
        // process of the same retry job already tried the first of them.
        var folder = new OutputFolder(dir["out"]);
        var crashed = ResultJournal.ReadAll(folder)
            .Select(r => r.Path == a || r.Path == b ? r with { Labels = [], Error = new ImageError(ImageErrorTypes.DecoderCrash, "crashed") } : r).ToList();
        File.WriteAllLines(folder.Results, crashed.Select(r => System.Text.Encoding.UTF8.GetString(ResultJson.ToUtf8(r))));
        File.WriteAllText(folder.Retried, JsonSerializer.Serialize(a) + "\n");

        var retry = await TaggingEngine.RunAsync(Options(dir["in"], dir["out"], retry: true), ct: ct);

        // b is tried; a is not (this job tried it), nor broken.jpg (its bytes decide its decode_error).
        Assert.Equal(1L, retry.ThisRun);
        Assert.Equal(2L, retry.Retried);
        var records = Records(dir["out"]).ToDictionary(r => r.GetProperty("path").GetString()!);
        Assert.Equal(4, records.Count);
        Assert.Equal(ImageErrorTypes.DecoderCrash, ErrorType(records[a]));
        Assert.Null(ErrorType(records[b]));
        Assert.Equal(ImageErrorTypes.DecodeError, ErrorType(records["broken.jpg"]));
        Assert.False(File.Exists(folder.Retried));

        // A new job tries a again.
        var again = await TaggingEngine.RunAsync(Options(dir["in"], dir["out"], retry: true), ct: ct);
        Assert.Equal((1L, 1L), (again.ThisRun, again.Retried));
        Assert.Null(ErrorType(Records(dir["out"]).Single(r => r.GetProperty("path").GetString() == a)));
    }
}
