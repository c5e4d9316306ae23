using Wanwu.Engine;

namespace Wanwu.Tests;

/// <summary>No silent English: a model whose labels stay English after wanwu's name tables says so once and in summary.json.</summary>
public class LabelLanguageTests
{
    [Fact]
    public async Task Labels_that_are_not_Chinese_are_reported_once_at_start_and_in_the_summary()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["model"]);
        File.Copy(Path.Combine(TestPaths.MobileNet, "mobilenet_v2_1.0_224_int8_per_tensor.onnx"), dir["model/model.onnx"]);
        // A taxonomy of the user's own, in English: no table of wanwu's knows these names.
        File.WriteAllLines(dir["model/labels.txt"], Enumerable.Range(0, 1000).Select(i => $"product line {i}"));
        var log = new StringWriter();
        var summary = await TaggingEngine.RunAsync(ModelTestKit.Run(TestPaths.SomePhotos(2), dir["out"], new ModelOptions { Model = dir["model"] }),
            log: log, ct: TestContext.Current.CancellationToken);

        Assert.Equal("none", summary.LabelsLanguage);
        var warning = Assert.Single(log.ToString().Split('\n'), l => l.Contains("have no Chinese name"));
        Assert.Contains("1000 of the 1000 labels", warning);
        Assert.Contains("--label-map", warning);
        Assert.Contains("\"labels_language\": \"none\"", File.ReadAllText(dir["out/summary.json"]));
    }

    [Fact]
    public async Task An_English_ImageNet_model_gets_Chinese_names_and_no_warning()
    {
        using var dir = new TempDir();
        var log = new StringWriter();
        var summary = await TaggingEngine.RunAsync(ModelTestKit.Run(TestPaths.SomePhotos(2), dir["out"], new ModelOptions { Model = TestPaths.MobileNet }),
            log: log, ct: TestContext.Current.CancellationToken);
        Assert.Equal("zh", summary.LabelsLanguage);
        Assert.DoesNotContain("have no Chinese name", log.ToString());
    }
}
