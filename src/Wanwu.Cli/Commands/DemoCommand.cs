using System.CommandLine;
using Wanwu.Models;

namespace Wanwu.Cli.Commands;

/// <summary><c>wanwu demo</c>: fetches the built-in model and a few real photos, tags them, and says where the results are.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output", "-o") { Description = "Output folder", DefaultValueFactory = _ => "out/demo" };
        var command = new Command("demo", "Tag demo photos with the built-in model") { output };
        command.SetAction(async (parse, ct) =>
        {
            var outDir = parse.GetValue(output)!;
            var photos = Path.Combine(ModelCache.DefaultRoot, "demo-photos");
            if (!Directory.Exists(photos) || Directory.GetFiles(photos).Length == 0)
                NpmPackage.Fetch(BuiltinModels.HumanPackage, BuiltinModels.HumanVersion, BuiltinModels.DemoPhotos, photos, Console.Error);
            Console.Error.WriteLine($"demo photos: {photos}");
            return await TagCommand.Run(new TagRun { Inputs = [photos], Output = new OutputOptions { Dir = outDir, PerImageJson = true, Formats = new HashSet<OutputFormat> { OutputFormat.Jsonl, OutputFormat.Csv } } }, quiet: false, ct);
        });
        return command;
    }
}
