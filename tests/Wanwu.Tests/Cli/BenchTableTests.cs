namespace Wanwu.Tests;

/// <summary><c>wanwu bench</c>'s table with stdout going to a program, not a terminal: whole, never cut to 80 columns.</summary>
public class BenchTableTests
{
    [Fact]
    public void A_redirected_bench_prints_every_header_and_cell_whole_as_a_markdown_table()
    {
        var r = CliProcess.Run("bench", TestPaths.Photos, "--model", TestPaths.MobileNet, "--ways", "decode,model", "--limit", "4");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["way", "runs on", "images", "seconds", "model load s", "images/s", "peak RSS MiB", "CPU use", "speed-up"], Cells(lines[0]));
        Assert.All(Cells(lines[1]), c => Assert.Matches("^-{3,}$", c));
        Assert.Equal(["decode", "model"], lines.Skip(2).Take(2).Select(l => Cells(l)[0]));
        Assert.All(lines.Skip(2).Take(2), l => Assert.Equal("4", Cells(l)[2]));
        Assert.Matches(@"^ceiling with decode and model sharing the cores: 1/\(1/decode \+ 1/model\) = [\d.,]+ img/s$", lines[4]);
        Assert.Equal(5, lines.Length);
        Assert.DoesNotContain("…", r.Stdout);
    }

    private static string[] Cells(string line)
    {
        Assert.StartsWith("| ", line);
        Assert.EndsWith(" |", line);
        return line[2..^2].Split(" | ").Select(c => c.Trim()).ToArray();
    }
}
