using System.Diagnostics;
using System.Text.Json;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>Interrupted runs restart where they stopped: no image lost, none duplicated.</summary>
public class ResumeTests
{
    private static TagRun Options(string input, string output) =>
        ModelTestKit.Run([input], output, new ModelOptions { Model = TestPaths.MobileNet, BatchSize = 4 }, OutputFormat.Csv);

    private static List<string> Paths(string outputDir)
    {
        var lines = File.ReadAllLines(Path.Combine(outputDir, OutputFolder.ResultsFile));
        return lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("path").GetString()!).ToList();
    }

    private static string PhotoCopies(TempDir dir, int count)
    {
        Directory.CreateDirectory(dir["in"]);
        foreach (var p in TestPaths.SomePhotos(count)) File.Copy(p, dir["in/" + Path.GetFileName(p)]);
        return dir["in"];
    }

    [Fact]
    public async Task A_second_run_skips_what_is_done_and_retags_changed_files()
    {
        using var dir = new TempDir();
        var input = PhotoCopies(dir, 8);
        var first = await TaggingEngine.RunAsync(Options(input, dir["out"]), ct: TestContext.Current.CancellationToken);
        Assert.Equal((8L, 8L, 0L), (first.Total, first.ThisRun, first.Skipped));

        var second = await TaggingEngine.RunAsync(Options(input, dir["out"]), ct: TestContext.Current.CancellationToken);
        Assert.Equal((8L, 0L, 8L), (second.Total, second.ThisRun, second.Skipped));

        var changed = Directory.GetFiles(input).Order().First();
        File.SetLastWriteTimeUtc(changed, DateTime.UtcNow.AddMinutes(1));
        File.Copy(TestPaths.SomePhotos(9)[8], dir["in/new.JPEG"]);
        var third = await TaggingEngine.RunAsync(Options(input, dir["out"]), ct: TestContext.Current.CancellationToken);
        Assert.Equal((9L, 2L, 7L), (third.Total, third.ThisRun, third.Skipped));

        var paths = Paths(dir["out"]);
        Assert.Equal(9, paths.Count);
        Assert.Equal(9, paths.Distinct().Count());
        Assert.Equal(10, File.ReadAllLines(dir["out/results.csv"]).Length);

        var fresh = await TaggingEngine.RunAsync(Options(input, dir["out"]) is var o ? o with { Output = o.Output with { Overwrite = true } } : null!, ct: TestContext.Current.CancellationToken);
        Assert.Equal((9L, 9L, 0L), (fresh.Total, fresh.ThisRun, fresh.Skipped));
    }

    [Fact]
    public async Task A_torn_last_line_and_corrupt_lines_are_repaired_and_redone()
    {
        using var dir = new TempDir();
        var input = PhotoCopies(dir, 6);
        await TaggingEngine.RunAsync(Options(input, dir["out"]), ct: TestContext.Current.CancellationToken);
        var journal = dir["out/" + OutputFolder.ResultsFile];
        var lines = File.ReadAllLines(journal);
        // Line 2 corrupted in place, the last line cut in half as a kill -9 during a write would leave it.
        lines[1] = "{\"path\": garbage";
        File.WriteAllText(journal, string.Join("\n", lines[..^1]) + "\n" + lines[^1][..(lines[^1].Length / 2)]);

        var summary = await TaggingEngine.RunAsync(Options(input, dir["out"]), ct: TestContext.Current.CancellationToken);
        Assert.Equal((6L, 2L), (summary.Total, summary.ThisRun));
        var paths = Paths(dir["out"]);
        Assert.Equal(Directory.GetFiles(input).Select(Path.GetFileName).Order(), paths.Order());
    }

    [Fact]
    public void Killed_at_random_moments_the_reruns_still_give_every_image_exactly_once()
    {
        using var dir = new TempDir();
        var photos = TestPaths.SomePhotos(100);
        for (var copy = 0; copy < 3; copy++)
        {
            Directory.CreateDirectory(dir[$"in/{copy}"]);
            foreach (var p in photos) File.Copy(p, dir[$"in/{copy}/{Path.GetFileName(p)}"]);
        }
        var args = new[] { "tag", dir["in"], "-o", dir["out"], "--model", TestPaths.MobileNet, "-b", "8", "--quiet", "--format", "csv" };
        var random = new Random(20261123);
        var kills = 0;
        for (var round = 0; round < 6; round++)
        {
            using var p = CliProcess.Start(args);
            var wait = random.Next(300, 2500);
            if (p.WaitForExit(wait)) break;
            p.Kill();  // SIGKILL: no chance to flush or clean up
            p.WaitForExit();
            kills++;
            var journal = dir["out/results.jsonl"];
            if (File.Exists(journal))
            {
                // Whatever was written is whole lines, except at most a torn tail the next run will cut.
                var text = File.ReadAllText(journal);
                var whole = text.EndsWith('\n') ? text : text[..(text.LastIndexOf('\n') + 1)];
                foreach (var line in whole.Split('\n', StringSplitOptions.RemoveEmptyEntries)) JsonDocument.Parse(line);
            }
        }
        Assert.True(kills >= 1, "at least one run was killed mid-way");
        var final = CliProcess.Run(args);
        Assert.True(final.ExitCode == 0, final.Stderr);

        var paths = Paths(dir["out"]);
        var expected = Directory.GetFiles(dir["in"], "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir["in"], f)).Order(StringComparer.Ordinal);
        Assert.Equal(expected, paths.Order(StringComparer.Ordinal));
        Assert.Equal(301, File.ReadAllLines(dir["out/results.csv"]).Length);
        var summary = RunSummary.Load(dir["out/summary.json"]);
        Assert.Equal((300L, true), (summary.Total, summary.Completed));
    }

    [Fact]
    public void Ctrl_c_finishes_cleanly_says_how_to_resume_and_exits_130()
    {
        using var dir = new TempDir();
        var input = PhotoCopies(dir, 100);
        using var p = CliProcess.Start("tag", input, "-o", dir["out"], "--model", TestPaths.MobileNet, "-b", "2", "-j", "1");
        var journal = dir["out/results.jsonl"];
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(journal) && new FileInfo(journal).Length > 0) && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString()])) kill.WaitForExit();
        Assert.True(p.WaitForExit(30_000), "wanwu stops after Ctrl-C");
        var stderr = p.StandardError.ReadToEnd();
        Assert.Equal(130, p.ExitCode);
        Assert.Contains("Run the same command again to resume", stderr);
        var summary = RunSummary.Load(dir["out/summary.json"]);
        Assert.False(summary.Completed);
        Assert.True(summary.Total < 100, "interrupted before the end");
        Assert.Equal(summary.Total, Paths(dir["out"]).Count);
    }
}
