using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Wanwu.Cli.Bench;
using Wanwu.Models;
using Wanwu.Sources;

namespace Wanwu.Cli.Commands;

/// <summary><c>wanwu bench</c>: the naive way, the blog's way and wanwu, side by side on the same model and images.</summary>
public static class BenchCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Folders, images or list files", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string>("--model", "-m") { Description = "Model to measure", DefaultValueFactory = _ => BuiltinModels.DefaultName };
        var ways = new Option<string[]>("--ways") { Description = "Ways to run: naive, blog, decode, model, wanwu", DefaultValueFactory = _ => [.. BenchWays.Names], AllowMultipleArgumentsPerToken = true };
        var naiveSample = new Option<int>("--naive-sample") { Description = "Images the naive way runs on (it is slow)", DefaultValueFactory = _ => 20 };
        var limit = new Option<int>("--limit") { Description = "Use at most this many images (0: all)" };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var plot = new Option<string?>("--plot") { Description = "Also draw the comparison as a PNG bar chart at this path" };
        var device = DeviceOption();
        var command = new Command("bench", "Measure wanwu against the naive and the blog's way, each in its own process")
        {
            inputs, model, ways, naiveSample, limit, json, plot, device,
        };
        command.SetAction(async (parse, ct) =>
        {
            var args = parse.GetValue(inputs)!;
            ImageSources.Validate(args);
            var m = parse.GetValue(model)!;
            ModelLocator.Locate(m, null, Console.Error); // fetch once, before any timing
            var results = new List<BenchResult>();
            foreach (var way in parse.GetValue(ways)!.SelectMany(w => w.Split(',', StringSplitOptions.RemoveEmptyEntries)))
            {
                var count = way == "naive" ? parse.GetValue(naiveSample) : parse.GetValue(limit);
                Console.Error.WriteLine($"running {way} …");
                results.Add(await RunChild(way, m, count, parse.GetValue(device)!, args, ct));
            }
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { results, ceiling_images_per_second = BenchWays.Ceiling(results) is { } c ? Math.Round(c, 2) : (double?)null }, Json));
            else Print(results);
            if (parse.GetValue(plot) is { } png)
            {
                BenchPlot.WritePng(results.Where(r => r.Way is not ("decode" or "model")).ToList(), png, $"wanwu bench · {Path.GetFileNameWithoutExtension(m.TrimEnd('/'))} · {Environment.ProcessorCount} cores");
                Console.Error.WriteLine($"plot: {Path.GetFullPath(png)}");
            }
            return ExitCodes.Ok;
        });
        command.Add(CreateMakeSet());
        command.Add(CreateMakeModel());
        return command;
    }

    private static Command CreateMakeSet()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Photos to start from", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the set", Required = true };
        var width = new Option<int>("--width") { DefaultValueFactory = _ => 1920 };
        var height = new Option<int>("--height") { DefaultValueFactory = _ => 1080 };
        var quality = new Option<int>("--quality") { DefaultValueFactory = _ => 90 };
        var copies = new Option<int>("--copies") { Description = "Copies of each photo, to make a large set", DefaultValueFactory = _ => 1 };
        var command = new Command("make-set", "Make a 'product photo' set: real photos resized to 1920x1080, JPEG quality 90")
        {
            inputs, output, width, height, quality, copies,
        };
        command.SetAction(parse =>
        {
            var args = parse.GetValue(inputs)!;
            ImageSources.Validate(args);
            var n = PhotoSet.Make(args, parse.GetValue(output)!, parse.GetValue(width), parse.GetValue(height), parse.GetValue(quality), Math.Max(1, parse.GetValue(copies)));
            Console.WriteLine($"{n} images in {Path.GetFullPath(parse.GetValue(output)!)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Hidden: runs one way in this process and prints its result as JSON; bench starts one process per way so memory figures are per way.</summary>
    private static Command CreateMakeModel()
    {
        var output = new Option<string>("--output", "-o") { Description = "Folder for the model", Required = true };
        var classes = new Option<int>("--classes") { Description = "Output classes", DefaultValueFactory = _ => 54092 };
        var command = new Command("make-model", "Write a ResNeSt-101 of ModelScope 万物识别's exact shape with random weights, to measure the heavy network's speed")
        {
            output, classes,
        };
        command.SetAction(parse =>
        {
            StandInModels.ResNeSt101(parse.GetValue(output)!, parse.GetValue(classes));
            Console.WriteLine(Path.GetFullPath(parse.GetValue(output)!));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateChild()
    {
        var way = new Argument<string>("way");
        var model = new Argument<string>("model");
        var count = new Argument<int>("count");
        var inputs = new Argument<string[]>("inputs") { Arity = ArgumentArity.OneOrMore };
        var device = DeviceOption();
        var command = new Command("bench-one", "internal") { way, model, count, inputs, device };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            var run = new TagRun
            {
                Inputs = parse.GetValue(inputs)!, Output = new OutputOptions { Dir = "" },
                Model = new ModelOptions { Model = parse.GetValue(model)!, Devices = TagCommand.ParseDevices(parse.GetValue(device)!) },
            };
            var items = ImageSources.Enumerate(run.Inputs);
            var n = parse.GetValue(count);
            var list = (n > 0 ? items.Take(n) : items).ToList();
            var result = await BenchWays.RunAsync(parse.GetValue(way)!, run, list, ct);
            Console.WriteLine(JsonSerializer.Serialize(result, Json));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Every way runs on the same device: on a GPU the naive and the blog's way use it too, as their scripts did.</summary>
    private static Option<string> DeviceOption() =>
        new("--device", "-d") { Description = "auto, cpu, cuda[:N] or tensorrt[:N] (or a list: cuda:0,cuda:1), for every way", DefaultValueFactory = _ => "auto" };

    private static async Task<BenchResult> RunChild(string way, string model, int count, string device, string[] inputs, CancellationToken ct)
    {
        var psi = SelfProcess.StartInfo(new[] { "bench-one", way, model, count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--device", device }.Concat(inputs));
        psi.RedirectStandardOutput = true;
        using var child = Process.Start(psi)!;
        var output = await child.StandardOutput.ReadToEndAsync(ct);
        await child.WaitForExitAsync(ct);
        if (child.ExitCode != 0) throw new WanwuException($"bench: the {way} way failed (exit {child.ExitCode})");
        return JsonSerializer.Deserialize<BenchResult>(output, Json)!;
    }

    private static void Print(IReadOnlyList<BenchResult> results)
    {
        var baseline = results.FirstOrDefault(r => r.Way == "naive") ?? results[0];
        string[] headers = ["way", "runs on", "images", "seconds", "model load s", "images/s", "peak RSS MiB", "CPU use", "speed-up"];
        var rows = results.Select(r => new[]
        {
            r.Way, r.Device ?? "-", r.Images.ToString(), $"{r.Seconds:0.00}", r.LoadSeconds is { } l ? $"{l:0.00}" : "-", $"{r.ImagesPerSecond:0.0}", $"{r.PeakRssMb:0}",
            $"{r.CpuUtilisation:P0}", $"{r.ImagesPerSecond / baseline.ImagesPerSecond:0.0}x",
        }).ToList();
        // Piped or in a file, Spectre would cut the table to 80 columns ("secon…"): Markdown keeps every cell whole.
        if (Console.IsOutputRedirected) Console.Write(MarkdownTable.Render(headers, rows));
        else AnsiConsole.Write(rows.Aggregate(new Table().AddColumns(headers), (table, row) => table.AddRow(row)));
        if (BenchWays.Ceiling(results) is { } ceiling)
        {
            var wanwu = results.FirstOrDefault(r => r.Way == "wanwu");
            var model = results.First(r => r.Way == "model");
            var share = wanwu is null ? "" : $"; wanwu reaches {wanwu.ImagesPerSecond / ceiling:P0} of it and {wanwu.ImagesPerSecond / model.ImagesPerSecond:P0} of the model alone";
            Console.WriteLine($"ceiling with decode and model sharing the cores: 1/(1/decode + 1/model) = {ceiling:0.0} img/s{share}");
        }
    }
}
