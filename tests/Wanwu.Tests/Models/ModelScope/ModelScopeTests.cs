using Wanwu.Decode;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Sinks;
using Wanwu.Sources;

namespace Wanwu.Tests;

/// <summary>
/// ModelScope's 万物识别 folder (pytorch_model.pt, meta_info.txt, configuration.json) run without Python: a checkpoint
/// of its exact layout and key names with random weights, converted by wanwu and compared on real photos with
/// <see cref="ResNeStReference"/>, a plain re-implementation of modelscope's network.
/// </summary>
public sealed class ModelScopeTests
{
    private static readonly int[] ResNeSt101 = [3, 4, 23, 3];

    [Fact]
    public async Task A_resnest101_checkpoint_in_modelscope_layout_tags_photos_as_the_reference_network_does()
    {
        using var dir = new TempDir();
        const int classes = 200;
        var weights = WriteModelScopeFolder(dir["cv_resnest101_general_recognition"], ResNeSt101, classes, seed: 7);
        Directory.CreateDirectory(dir["photos"]);
        var photos = TestPaths.SomePhotos(2);
        foreach (var p in photos) File.Copy(p, dir["photos/" + Path.GetFileName(p)]);

        var summary = await TaggingEngine.RunAsync(
            ModelTestKit.Run([dir["photos"]], dir["out"], new ModelOptions { Model = dir["cv_resnest101_general_recognition"], CacheDir = dir["cache"] }),
            ct: TestContext.Current.CancellationToken);
        Assert.Equal(2, summary.Ok);
        Assert.Equal("cv_resnest101_general_recognition", summary.Model);

        // modelscope's preprocessing: shorter side to 256, centre 224, pixels / 255, ImageNet mean and std.
        var decoder = new ImageDecoder(new PreprocessSpec(224, 224, ResizeMode.CenterCrop, 224.0 / 256), long.MaxValue);
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        foreach (var record in ResultJournal.ReadAll(new OutputFolder(dir["out"])))
        {
            var image = decoder.Decode(new InputItem(record.Path, dir["photos/" + record.Path]));
            var x = new float[3 * 224 * 224];
            for (var i = 0; i < 224 * 224; i++)
                for (var c = 0; c < 3; c++) x[c * 224 * 224 + i] = (image.Pixels[i * 3 + c] / 255f - mean[c]) / std[c];
            var logits = ResNeStReference.Forward(weights, ResNeSt101, new ResNeStReference.T(3, 224, 224, x));
            var probabilities = Softmax(logits);
            var best = probabilities.Select((p, i) => (p, i)).OrderByDescending(t => t.p).Take(5).ToList();

            Assert.Equal(5, record.Labels.Count);
            foreach (var label in record.Labels)
            {
                var index = int.Parse(label.Label["类别".Length..], System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(index, label.Id);
                TestContext.Current.TestOutputHelper?.WriteLine($"{record.Path} {label.Label}: wanwu {label.Score}, reference {probabilities[index]}");
                Assert.True(Math.Abs(probabilities[index] - label.Score) < 3e-4, $"{record.Path} {label.Label}: wanwu {label.Score}, reference {probabilities[index]}");
            }
            // The same winner, unless the reference itself has a near tie.
            if (best[0].p - best[1].p > 2e-3) Assert.Equal(best[0].i, record.Labels[0].Id);
            Assert.True(best[0].p > 1.5f / classes, "the random network gives every class the same score: the comparison would prove nothing");
        }
    }

    [Fact]
    public void The_import_command_writes_a_model_folder_once_and_refuses_a_label_file_that_does_not_fit()
    {
        using var dir = new TempDir();
        WriteModelScopeFolder(dir["ms"], [1, 1, 1, 1], classes: 10, seed: 3);
        var run = CliProcess.Run("models", "import", dir["ms"], "-o", dir["converted"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.True(File.Exists(dir["converted/model.onnx"]));
        var inspect = CliProcess.Run("models", "inspect", dir["converted"]);
        Assert.Contains("covers all 10 outputs", inspect.Stdout);
        Assert.Contains("类别3", inspect.Stdout);
        Assert.Contains("center-crop", inspect.Stdout.ToLowerInvariant().Replace("centercrop", "center-crop"));

        File.WriteAllLines(dir["ms/meta_info.txt"], Enumerable.Range(0, 9).Select(i => $"{i}\t类别{i}"));
        var bad = CliProcess.Run("models", "import", dir["ms"], "-o", dir["bad"]);
        Assert.Equal(4, bad.ExitCode);
        Assert.Contains("9 labels but the checkpoint has 10 classes", bad.Stderr);
    }

    /// <summary>A folder as ModelScope's snapshot_download leaves it; returns the weights under their plain names.</summary>
    internal static Dictionary<string, float[]> WriteModelScopeFolder(string folder, int[] blocks, int classes, int seed)
    {
        Directory.CreateDirectory(folder);
        var state = ResNeStReference.RandomStateDict(blocks, classes, seed);
        var writer = new TorchPickleWriter();
        // Saved from a DataParallel model, as many training scripts do: every key starts with "module.".
        var pickle = writer.StateDict(state.Select(t => ("module." + t.Name, t.Shape, t.Data, (long[]?)null)));
        writer.SaveZip(Path.Combine(folder, "pytorch_model.pt"), pickle);
        File.WriteAllLines(Path.Combine(folder, "meta_info.txt"), Enumerable.Range(0, classes).Select(i => $"{i}\t类别{i}"));
        File.WriteAllText(Path.Combine(folder, "configuration.json"), """{"framework": "pytorch", "task": "general-recognition", "pipeline": {"type": "general-recognition"}}""");
        return state.ToDictionary(t => t.Name, t => t.Data);
    }

    private static float[] Softmax(float[] logits)
    {
        var max = logits.Max();
        var e = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = e.Sum();
        return e.Select(v => (float)(v / sum)).ToArray();
    }
}
