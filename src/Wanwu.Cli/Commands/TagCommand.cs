using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Wanwu.Cluster;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Sinks;

namespace Wanwu.Cli.Commands;

/// <summary><c>wanwu tag INPUTS -o OUT</c>: the main job.</summary>
public static class TagCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Folders (searched recursively), image files, or text files listing images", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Output folder", Required = true };
        var modelDefaults = new ModelOptions();
        var decodeDefaults = new DecodeOptions();
        var postDefaults = new PostprocessOptions();
        var model = new Option<string[]>("--model", "-m")
        {
            Description = "Built-in model name (ppocr reads text), .onnx file, model folder, URL or modelscope:owner/name[@revision]; give it several times to run several models in one pass " +
                "(each image decoded once, one record each); the other options apply to every model",
            DefaultValueFactory = _ => [modelDefaults.Model],
        };
        var textTags = new Option<string?>("--text-tags") { Description = "With ppocr: TSV file of keyword rules turning text into labels: keyword<TAB>label[<TAB>label_en] (a line containing 龙井 → 绿茶)" };
        var topK = new Option<int>("--top-k") { Description = "Labels kept per image", DefaultValueFactory = _ => postDefaults.TopK };
        var batch = new Option<int>("--batch-size", "-b") { Description = "Images per inference call (0: the model's preferred size)" };
        var threads = new Option<int>("--threads", "-j") { Description = "Parallel decoders (0: one per core)" };
        var inferThreads = new Option<int>("--inference-threads") { Description = "ONNX Runtime threads per operator (0: automatic)" };
        var format = new Option<string[]>("--format", "-f") { Description = "Output formats, comma-separated: jsonl, json (one file per image), csv, parquet", AllowMultipleArgumentsPerToken = true };
        var perImage = new Option<bool>("--per-image-json") { Description = "Also write one JSON file per image under json/" };
        var labelMap = new Option<string?>("--label-map") { Description = "TSV file renaming or merging classes into your taxonomy: from<TAB>to[<TAB>to_en]" };
        var score = new Option<float?>("--score-threshold") { Description = "Detections below this score are dropped (default: the model card's measured threshold, else 0.3)" };
        var iou = new Option<float>("--iou-threshold") { Description = "NMS overlap threshold", DefaultValueFactory = _ => postDefaults.IouThreshold };
        var maxDet = new Option<int>("--max-detections") { Description = "Most objects kept per image", DefaultValueFactory = _ => postDefaults.MaxDetections };
        var maxPixels = new Option<long>("--max-pixels") { Description = "Refuse images whose header claims more pixels", DefaultValueFactory = _ => decodeDefaults.MaxPixels };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress output" };
        var device = new Option<string>("--device", "-d") { Description = "auto, cpu, cuda[:N] or tensorrt[:N]; falls back to the CPU with a message when no GPU runtime is present", DefaultValueFactory = _ => "auto" };
        var devices = new Option<string?>("--devices") { Description = "Several devices, one session each, one merged output: e.g. cuda:0,cuda:1 or 0,1" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Start afresh instead of resuming into the output folder" };
        var retryErrors = new Option<bool>("--retry-errors") { Description = "Also tag again the images whose record is a read error, missing file, decoder crash, decode timeout or inference error" };
        var decodeTimeout = new Option<double>("--decode-timeout") { Description = "Seconds one image may take to decode before it is abandoned", DefaultValueFactory = _ => decodeDefaults.Timeout.TotalSeconds };
        var inProcess = new Option<bool>("--no-isolation") { Description = "Decode in this process: faster to start, but a crashing decoder stops the run" };
        var vocabulary = new Option<string?>("--vocabulary") { Description = "For an image-text (CLIP / Chinese-CLIP) model: your tags, one a line" };
        var prompt = new Option<string?>("--prompt") { Description = "For an image-text model: the sentence a tag goes into, e.g. 一张{}的照片" };
        var precision = new Option<Precision>("--precision") { Description = "auto (float16 for float32 models on a GPU), fp32, fp16 or bf16", DefaultValueFactory = _ => modelDefaults.Precision };
        var noGpuDecode = new Option<bool>("--no-gpu-decode") { Description = "On a GPU, decode JPEGs on the CPU instead of with nvJPEG on the GPU" };
        var cluster = new Option<string?>("--cluster") { Description = "Tag on the workers of a cluster (local, or redis://HOST:PORT); every worker must see the inputs and the output folder at the same paths" };
        var shardSize = new Option<int>("--shard-size") { Description = "With --cluster: most images per shard", DefaultValueFactory = _ => 1000 };

        var command = new Command("tag", "Tag images with Chinese labels")
        {
            inputs, output, model, topK, batch, threads, inferThreads, format, perImage, score, iou, maxDet, maxPixels, quiet, overwrite, retryErrors, decodeTimeout, inProcess, device, devices, labelMap, textTags, vocabulary, prompt, precision, noGpuDecode, cluster, shardSize, WorkerCommand.ClusterId,
        };
        command.SetAction(async (parse, ct) =>
        {
            HashSet<OutputFormat> formats;
            try { formats = SinkFactory.ParseFormats(parse.GetValue(format) ?? []); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
            if (parse.GetValue(topK) < 1) throw new UsageException("--top-k must be at least 1");
            var options = new TagRun
            {
                Inputs = parse.GetValue(inputs)!,
                Output = new OutputOptions
                {
                    Dir = parse.GetValue(output)!, Formats = formats, PerImageJson = parse.GetValue(perImage), Overwrite = parse.GetValue(overwrite),
                    RetryErrors = parse.GetValue(retryErrors),
                },
                Models = [.. parse.GetValue(model)!.Select(name => new ModelOptions
                {
                    Model = name,
                    BatchSize = Math.Max(0, parse.GetValue(batch)),
                    InferenceThreads = Math.Max(0, parse.GetValue(inferThreads)),
                    LabelMapFile = parse.GetValue(labelMap),
                    Vocabulary = parse.GetValue(vocabulary),
                    Prompt = parse.GetValue(prompt),
                    Devices = ParseDevices(parse.GetValue(devices) ?? parse.GetValue(device)!),
                    Precision = parse.GetValue(precision),
                    GpuDecode = !parse.GetValue(noGpuDecode),
                })],
                Decode = new DecodeOptions
                {
                    Threads = Math.Max(0, parse.GetValue(threads)),
                    MaxPixels = parse.GetValue(maxPixels),
                    Timeout = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(decodeTimeout))),
                },
                Postprocess = new PostprocessOptions
                {
                    TopK = parse.GetValue(topK),
                    ScoreThreshold = parse.GetValue(score),
                    IouThreshold = parse.GetValue(iou),
                    MaxDetections = parse.GetValue(maxDet),
                    TextTagsFile = parse.GetValue(textTags),
                },
            };
            if (parse.GetValue(cluster) is { } clusterText)
            {
                if (parse.GetValue(shardSize) < 1) throw new UsageException("--shard-size must be at least 1");
                return await RunOnCluster(WorkerCommand.Parse(clusterText, parse.GetValue(WorkerCommand.ClusterId)!), options, parse.GetValue(shardSize), parse.GetValue(quiet), ct);
            }
            if (Environment.GetEnvironmentVariable(Supervisor.ChildVariable) is { } parent)
                return await RunChild(options, int.Parse(parent, System.Globalization.CultureInfo.InvariantCulture), parse.GetValue(quiet), ct);
            if (parse.GetValue(inProcess)) return await Run(options, parse.GetValue(quiet), ct);
            return await Supervisor.RunAsync(Environment.GetCommandLineArgs()[1..], options, ct);
        });
        return command;
    }

    internal static IReadOnlyList<string> ParseDevices(string text)
    {
        try
        {
            return Backends.DeviceSpec.ParseList(text).Select(d => d.ToString()).ToList();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The child side of <see cref="Supervisor"/>: runs the job here, exits at once if a decode hangs.</summary>
    private static Task<int> RunChild(TagRun options, int parent, bool quiet, CancellationToken ct)
    {
        SelfProcess.DieWithParent(parent);
        if (Environment.GetEnvironmentVariable(Supervisor.OnlyVariable) is { } only)
        {
            options = options with
            {
                OnlyPaths = File.ReadAllLines(only).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal),
                Decode = options.Decode with { Threads = 1 },
                Output = options.Output with { Overwrite = false },
            };
            quiet = true;
        }
        var folder = new OutputFolder(options.Output.Dir);
        return Report(options, quiet, (progress, log) => TaggingEngine.RunAsync(options, null, progress, log, ct, onDecodeHung: item =>
        {
            File.WriteAllText(folder.Hung, item.Path);
            // Not Environment.Exit: nothing may be tagged or written once the process is known to be going.
            SelfProcess.ExitNow(Supervisor.HungExitCode);
        }));
    }

    public static Task<int> Run(TagRun options, bool quiet, CancellationToken ct) =>
        Report(options, quiet, (progress, log) => TaggingEngine.RunAsync(options, progress, log, ct));

    private static async Task<int> RunOnCluster(ClusterAddress address, TagRun options, int shardSize, bool quiet, CancellationToken ct)
    {
        // Workers on other machines read these paths: make them absolute here, where they were typed.
        static string? Absolute(string? path) => path is not null && Path.Exists(path) ? Path.GetFullPath(path) : path;
        options = options with
        {
            Output = options.Output with { Dir = Path.GetFullPath(options.Output.Dir) },
            Models = [.. options.AllModels.Select(m => m with
            {
                Model = Absolute(m.Model)!, LabelMapFile = Absolute(m.LabelMapFile), Vocabulary = Absolute(m.Vocabulary),
            })],
            Postprocess = options.Postprocess with { TextTagsFile = Absolute(options.Postprocess.TextTagsFile) },
        };
        using var host = await WorkerSilo.ConnectAsync(address, ct);
        try
        {
            var client = host.Services.GetRequiredService<Orleans.IClusterClient>();
            return await Report(options, quiet, (progress, log) => new ClusterCoordinator(client, log).RunAsync(options, shardSize, progress, ct));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<int> Report(TagRun options, bool quiet, Func<IProgress<RunProgress>?, TextWriter?, Task<RunSummary>> run)
    {
        try
        {
            // The display hands out the log: on a terminal, notes must go through it, not around it.
            var summary = await ProgressDisplay.RunAsync(quiet, run);
            if (!quiet)
            {
                var resumed = summary.Skipped > 0 ? $" ({summary.Skipped} already done)" : "";
                if (summary.Retried > 0) resumed += $" ({summary.Retried} failed before and retried)";
                Console.Error.WriteLine($"{summary.ThisRun} images ({summary.Failed} failed) in {summary.Seconds:0.0} s, {summary.ImagesPerSecond:0.0} img/s, model {summary.Model}, batch {summary.BatchSize}{resumed}");
            }
            // A cluster run merges its shards' records there too.
            Console.WriteLine($"results: {new OutputFolder(Path.GetFullPath(options.Output.Dir)).Results}");
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"wanwu: interrupted; the results so far are in {Path.GetFullPath(options.Output.Dir)}. Run the same command again to resume.");
            return ExitCodes.Cancelled;
        }
    }
}
