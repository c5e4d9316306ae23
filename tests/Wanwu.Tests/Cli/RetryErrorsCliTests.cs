using System.Text.Json;
using Wanwu.Engine;

namespace Wanwu.Tests;

/// <summary><c>wanwu tag --retry-errors</c> in the default isolated mode: the supervisor's children share one retry job.</summary>
public class RetryErrorsCliTests
{
    private static List<JsonElement> Records(string outputDir) =>
        File.ReadAllLines(Path.Combine(outputDir, "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static string? ErrorType(JsonElement record) =>
        record.GetProperty("error") is { ValueKind: JsonValueKind.Object } e ? e.GetProperty("type").GetString() : null;

    private static string Photos(TempDir dir, int count)
    {
        Directory.CreateDirectory(dir["in"]);
        foreach (var p in TestPaths.SomePhotos(count)) File.Copy(p, dir["in/" + Path.GetFileName(p)]);
        return dir["in"];
    }

    [Fact]
    public void Images_abandoned_under_a_tiny_decode_timeout_get_their_labels_on_a_retry_with_one_record_each()
    {
        using var dir = new TempDir();
        var input = Photos(dir, 12);
        string[] tag = ["tag", input, "-o", dir["out"], "--model", TestPaths.MobileNet, "-b", "2", "--format", "csv"];

        // A millisecond is shorter than any decode: the supervisor records decode_timeout for what its children abandon.
        var first = CliProcess.Run([.. tag, "--decode-timeout", "0.001"]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var before = Records(dir["out"]);
        Assert.Equal(12, before.Count);
        var failed = before.Where(r => ErrorType(r) is not null).ToList();
        Assert.Contains(failed, r => ErrorType(r) == ImageErrorTypes.DecodeTimeout);
        Assert.All(failed, r => Assert.True(ImageErrorTypes.IsRetryable(ErrorType(r)!), $"{ErrorType(r)} is not retried"));

        // A plain rerun counts the error records as done.
        var plain = CliProcess.Run(tag);
        Assert.True(plain.ExitCode == 0, plain.Stderr);
        Assert.Equal(0, RunSummary.Load(dir["out/summary.json"]).ThisRun);
        Assert.Equal(failed.Count, Records(dir["out"]).Count(r => ErrorType(r) is not null));

        var retry = CliProcess.Run([.. tag, "--retry-errors"]);
        Assert.True(retry.ExitCode == 0, retry.Stderr);
        var summary = RunSummary.Load(dir["out/summary.json"]);
        Assert.Equal((failed.Count, 0L, 12L), (summary.Retried, summary.Failed, summary.Total));
        var records = Records(dir["out"]);
        Assert.Equal(12, records.Count);
        Assert.Equal(12, records.Select(r => r.GetProperty("path").GetString()).Distinct().Count());
        Assert.All(records, r => Assert.Equal(5, r.GetProperty("labels").GetArrayLength()));
        var csv = File.ReadAllLines(dir["out/results.csv"]).Skip(1).ToList();
        Assert.Equal(12, csv.Count);
        Assert.All(csv, row => Assert.Equal("", row.Split(',')[6]));
    }

    [Fact]
    public void A_file_that_hangs_again_on_the_retry_is_recorded_once_and_the_run_ends()
    {
        using var dir = new TempDir();
        var input = Photos(dir, 6);
        File.Copy(TestPaths.SomePhotos(1)[0], dir["in/poison.jpg"]);
        var hang = new Dictionary<string, string> { ["WANWU_TEST_DECODER_FAULT"] = "hang:poison" };
        string[] tag = ["tag", input, "-o", dir["out"], "--model", TestPaths.MobileNet, "--decode-timeout", "2", "-b", "4"];
        var first = CliProcess.Run(hang, tag);
        Assert.True(first.ExitCode == 0, first.Stderr);

        // Still hanging: the child that retries it is abandoned, and the next child of the same job does not retry it again.
        var retry = CliProcess.Run(hang, [.. tag, "--retry-errors"]);
        Assert.True(retry.ExitCode == 0, retry.Stderr);
        Assert.Single(retry.Stderr.Split('\n'), l => l.Contains("took longer than", StringComparison.Ordinal));
        var records = Records(dir["out"]);
        Assert.Equal(7, records.Count);
        Assert.Equal(ImageErrorTypes.DecodeTimeout, ErrorType(records.Single(r => r.GetProperty("path").GetString() == "poison.jpg")));
        Assert.Equal(1, RunSummary.Load(dir["out/summary.json"]).Retried);

        // Fixed: the next retry job tries it again and it gets its labels.
        var fixedRun = CliProcess.Run([.. tag, "--retry-errors"]);
        Assert.True(fixedRun.ExitCode == 0, fixedRun.Stderr);
        records = Records(dir["out"]);
        Assert.Equal(7, records.Count);
        Assert.All(records, r => Assert.Equal(5, r.GetProperty("labels").GetArrayLength()));
    }
}
