// The examples are written as a user would write them, without the test framework's cancellation token.
#pragma warning disable xUnit1051

using System.Text.RegularExpressions;
using Wanwu.Engine;

namespace Wanwu.Tests;

/// <summary>
/// The examples of docs/library.md, compiled and run here. Each example's code sits between "// example: NAME" and
/// "// end example" below, and a test checks that the page shows exactly that code, so the docs cannot drift.
/// </summary>
public partial class LibraryExamplesTests
{
    [Fact]
    public async Task Example_tag_one_image_with_a_kept_model()
    {
        var photo = TestPaths.SomePhotos(12)[11];
        var model = TestPaths.MobileNet;
        // example: one-image
        using var tagger = Tagger.Create(model);          // load once, keep for every request
        var result = await tagger.TagAsync(photo);
        if (result.Error is null)
            foreach (var label in result.Labels)
                Console.WriteLine($"{label.Label} ({label.LabelEn}) {label.Score:P1}");
        // end example
        Assert.Null(result.Error);
        Assert.Equal(5, result.Labels.Count);
        Assert.Equal(110, result.Labels[0].Id);
    }

    [Fact]
    public async Task Example_stream_results_as_they_finish()
    {
        var folder = TestPaths.Photos;
        var model = TestPaths.SsdCoco;
        // example: stream
        using var tagger = Tagger.Create(model, new PostprocessOptions { TopK = 3, ScoreThreshold = 0.5f });
        var counts = new Dictionary<string, int>();
        await foreach (var record in tagger.TagManyAsync([folder]))
            foreach (var label in record.Labels)
                counts[label.Label] = counts.GetValueOrDefault(label.Label) + 1;
        // end example
        Assert.True(counts["人"] >= 10);
        Assert.True(counts.ContainsKey("斑马"));
    }

    [Fact]
    public async Task Example_several_models_and_the_text_on_the_photo()
    {
        var photo = Path.Combine(TestPaths.Photos, "n04443257_tobacco_shop.JPEG");
        var classifier = TestPaths.MobileNet;
        // example: several
        using var tagger = Tagger.CreateMany([new() { Model = classifier }, new() { Model = "coco-centernet" }, new() { Model = "ppocr" }]);
        var record = await tagger.TagAsync(photo);
        foreach (var label in record.Labels)
            Console.WriteLine($"{label.Model}: {label.Label} {label.Score:P1}");
        foreach (var line in record.Texts ?? [])
            Console.WriteLine($"文字 {line.Text} at [{string.Join(", ", line.Box)}]");
        // end example
        Assert.Null(record.Error);
        Assert.Equal(["mobilenet_v2_1.0_224_int8_per_tensor", "coco-centernet"], record.Labels.Select(l => l.Model).Distinct());
        Assert.NotEmpty(record.Texts!);
    }

    [Fact]
    public async Task Example_a_whole_run_into_an_output_folder()
    {
        using var dir = new TempDir();
        var photos = TestPaths.Photos;
        var output = dir["out"];
        // example: run
        var summary = await TaggingEngine.RunAsync(new TagRun
        {
            Inputs = [photos],
            Output = new OutputOptions
            {
                Dir = output,                                  // results.jsonl, summary.json, results.parquet
                Formats = new HashSet<OutputFormat> { OutputFormat.Jsonl, OutputFormat.Parquet },
            },
        });
        Console.WriteLine($"{summary.Ok} tagged, {summary.Failed} failed, {summary.ImagesPerSecond} images/s");
        // end example
        Assert.Equal(100, summary.Ok);
        Assert.True(File.Exists(Path.Combine(output, "results.parquet")));
    }

    [Fact]
    public void The_docs_show_exactly_the_tested_examples()
    {
        var source = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests/Wanwu.Tests/LibraryExamplesTests.cs"));
        var docs = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs/library.md"));
        var examples = ExampleRegex().Matches(source).ToDictionary(m => m.Groups[1].Value, m => Normalise(m.Groups[2].Value));
        Assert.Equal(["one-image", "run", "several", "stream"], examples.Keys.Order());
        var blocks = DocBlockRegex().Matches(docs).ToDictionary(m => m.Groups[1].Value, m => Normalise(m.Groups[2].Value));
        foreach (var (name, code) in examples)
        {
            Assert.True(blocks.ContainsKey(name), $"docs/library.md lacks example '{name}'");
            Assert.Equal(code, blocks[name]);
        }
    }

    private static string Normalise(string code) =>
        string.Join("\n", code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    [GeneratedRegex(@"// example: ([\w-]+)\r?\n(.*?)// end example", RegexOptions.Singleline)]
    private static partial Regex ExampleRegex();

    [GeneratedRegex(@"<!-- example: ([\w-]+) -->\s*```csharp\r?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex DocBlockRegex();
}
