using System.Text.Json;

namespace Wanwu.Tests;

/// <summary>A decoder that crashes the process or hangs does not take the run down (faults injected through WANWU_TEST_DECODER_FAULT).</summary>
public class IsolationTests
{
    private static (TempDir Dir, string Input) Photos()
    {
        var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        foreach (var p in TestPaths.SomePhotos(12)) File.Copy(p, dir["in/" + Path.GetFileName(p)]);
        File.Copy(TestPaths.SomePhotos(1)[0], dir["in/poison.jpg"]);
        return (dir, dir["in"]);
    }

    private static Dictionary<string, JsonElement> Records(string outputDir) =>
        File.ReadAllLines(Path.Combine(outputDir, "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(r => r.GetProperty("path").GetString()!);

    [Theory]
    [InlineData("crash", "decoder_crash")]
    [InlineData("hang", "decode_timeout")]
    public void The_faulty_file_gets_an_error_record_and_every_other_image_its_labels(string fault, string errorType)
    {
        var (dir, input) = Photos();
        using (dir)
        {
            var r = CliProcess.Run(new Dictionary<string, string> { ["WANWU_TEST_DECODER_FAULT"] = $"{fault}:poison" },
                "tag", input, "-o", dir["out"], "--model", TestPaths.MobileNet, "--decode-timeout", "2", "-b", "4");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var records = Records(dir["out"]);
            Assert.Equal(13, records.Count);
            Assert.Equal(13, File.ReadAllLines(dir["out/results.jsonl"]).Length);
            Assert.Equal(errorType, records["poison.jpg"].GetProperty("error").GetProperty("type").GetString());
            Assert.All(records.Where(kv => kv.Key != "poison.jpg"), kv => Assert.Equal(5, kv.Value.GetProperty("labels").GetArrayLength()));
        }
    }

    [Fact]
    public void Two_runs_into_one_folder_do_not_interleave()
    {
        var (dir, input) = Photos();
        using (dir)
        {
            using var first = CliProcess.Start(new Dictionary<string, string> { ["WANWU_TEST_DECODER_FAULT"] = "hang:poison" },
                "tag", input, "-o", dir["out"], "--model", TestPaths.MobileNet, "--decode-timeout", "600", "--quiet");
            try
            {
                var lockFile = dir["out/.wanwu/inflight-0"];
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (!File.Exists(lockFile) && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(50);
                var second = CliProcess.Run("tag", input, "-o", dir["out"], "--model", TestPaths.MobileNet, "--no-isolation");
                Assert.Equal(5, second.ExitCode);
                Assert.Contains("Another wanwu run is writing", second.Stderr);
            }
            finally
            {
                first.Kill(entireProcessTree: true);
                first.WaitForExit();
            }
        }
    }
}
