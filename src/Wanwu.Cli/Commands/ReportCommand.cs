using System.CommandLine;
using Wanwu.Cli.Report;

namespace Wanwu.Cli.Commands;

/// <summary><c>wanwu report OUT_DIR</c>: the HTML gallery for reviewing a run's labels.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("output") { Description = "An output folder written by wanwu tag" };
        var size = new Option<int>("--thumb-size") { Description = "Longest side of thumbnails, pixels", DefaultValueFactory = _ => 192 };
        var command = new Command("report", "Write report.html, an offline gallery to review labels") { dir, size };
        command.SetAction(parse =>
        {
            var page = ReportWriter.Write(parse.GetValue(dir)!, Math.Clamp(parse.GetValue(size), 32, 1024), log: Console.Error);
            Console.WriteLine($"report: {Path.GetFullPath(page)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
