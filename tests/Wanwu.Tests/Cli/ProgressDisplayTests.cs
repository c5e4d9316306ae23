using Wanwu.Cli;
using Wanwu.Engine;

namespace Wanwu.Tests;

/// <summary>The live progress row fits the terminal (a wrapped row left stray characters behind; checked by eye in tmux).</summary>
public class ProgressDisplayTests
{
    private static readonly RunProgress[] Snapshots =
    [
        new(0, 0, 0, false, TimeSpan.Zero),
        new(37, 1, 100, true, TimeSpan.FromSeconds(1.5)),
        new(1_234_567, 8_901, 10_000_000, true, TimeSpan.FromHours(3)),
    ];

    [Theory]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(120)]
    [InlineData(200)]
    public void The_row_stays_on_one_line(int width)
    {
        foreach (var p in Snapshots)
        {
            var (text, bar) = ProgressDisplay.Fit(p, width);
            // Description, bar, "100%" and the spinner, with a space between columns.
            Assert.True(text.Length + 1 + bar + 1 + 4 + 1 + 1 <= width, $"{width} columns: '{text}' and a bar of {bar}");
            Assert.True(bar >= 10, $"{width} columns: bar of {bar}");
        }
    }

    [Fact]
    public void A_wide_terminal_shows_the_whole_line_and_the_full_bar()
    {
        var p = new RunProgress(37, 1, 100, true, TimeSpan.FromSeconds(1.5));
        Assert.Equal((ProgressDisplay.Line(p), 40), ProgressDisplay.Fit(p, 120));
    }
}
