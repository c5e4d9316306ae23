using System.Runtime.CompilerServices;
using System.Text.Json;
using DuckDB.NET.Data;
using SkiaSharp;
using Wanwu.Decode;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>
/// One run of a classifier, the built-in detector and ppocr over a few shared photos and one more with a product's
/// text drawn on it ("西湖龙井" and "买一送一"), into every format, with a keyword rule (龙井 → 绿茶); the tests below
/// read what it wrote.
/// </summary>
public sealed class ThreeModelRun : IDisposable
{
    public const string Product = "tea.jpg";
    public const string Classifier = "mobilenet_v2_1.0_224_int8_per_tensor";
    private readonly TempDir _dir = new();

    public ThreeModelRun()
    {
        if (TestPaths.Shared is null || RenderedText.Fonts.Count == 0) return;
        Directory.CreateDirectory(_dir["in"]);
        Photos = [.. TestPaths.SomePhotos(5).Select(p => Path.GetFileName(p)), Product];
        foreach (var p in TestPaths.SomePhotos(5)) File.Copy(p, _dir["in/" + Path.GetFileName(p)]);
        // A photo without any text of its own, at least 375 px high, so the drawn lines are all there is to read.
        var plain = OcrPhotos.WithoutText().First(p => { using var b = SKBitmap.Decode(p); return b.Height >= 375 && b.Width >= 500; });
        using (var bitmap = SKBitmap.Decode(plain))
        {
            using (var canvas = new SKCanvas(bitmap))
            {
                RenderedText.Stamp(canvas, "西湖龙井", RenderedText.Fonts[0].Typeface, 44, 250, 80, 0, SKColors.Black, SKColors.White);
                RenderedText.Stamp(canvas, "买一送一", RenderedText.Fonts[0].Typeface, 36, 250, 300, 0, SKColors.Black, SKColors.White);
            }
            RenderedText.SaveJpeg(bitmap, _dir["in/" + Product]);
        }
        File.WriteAllText(_dir["tags.tsv"], "keyword\tlabel\tlabel_en\n龙井\t绿茶\tgreen tea\n买一送一\t促销\tpromotion\n");
        var reads = new StrongBox<long>();
        FileBytes.Reads.Value = reads;
        Summary = TaggingEngine.RunAsync(Run(), ct: TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        FileBytes.Reads.Value = null;
        Reads = reads.Value;
        Records = File.ReadAllLines(Path.Combine(Out, OutputFolder.ResultsFile)).Select(l => ResultJson.Read(JsonDocument.Parse(l).RootElement)).ToDictionary(r => r.Path);
    }

    public string In => _dir["in"];
    public string Out => _dir["out"];
    public string Temp(string name) => _dir[name];
    public IReadOnlyList<string> Photos { get; } = [];
    public RunSummary? Summary { get; }
    public long Reads { get; }
    public IReadOnlyDictionary<string, ImageResult> Records { get; } = new Dictionary<string, ImageResult>();

    public TagRun Run(string? output = null) => new()
    {
        Inputs = [In],
        Output = new OutputOptions
        {
            Dir = output ?? Out, PerImageJson = true,
            Formats = new HashSet<OutputFormat> { OutputFormat.Jsonl, OutputFormat.Csv, OutputFormat.Parquet },
        },
        Models = [new ModelOptions { Model = TestPaths.MobileNet }, new ModelOptions { Model = BuiltinModels.DefaultName }, new ModelOptions { Model = PpOcrModel.Name }],
        Postprocess = new PostprocessOptions { TextTagsFile = _dir["tags.tsv"] },
    };

    public void Dispose() => _dir.Dispose();
}

/// <summary>Several models in one pass: one record per image holding every model's labels, objects and texts.</summary>
public class MultiModelTests(ThreeModelRun run) : IClassFixture<ThreeModelRun>
{
    private void SkipWithoutRun() => Assert.SkipWhen(run.Summary is null, "needs ../shared and the CJK fonts (scripts/test.sh installs them)");

    [Fact]
    public void Every_image_gets_one_record_with_each_models_labels_objects_and_texts()
    {
        SkipWithoutRun();
        Assert.Equal(run.Photos.Order(), run.Records.Keys.Order());
        foreach (var r in run.Records.Values)
        {
            Assert.Null(r.Error);
            Assert.NotNull(r.Texts);
            Assert.NotNull(r.Objects);
            Assert.All(r.Labels, l => Assert.Contains(l.Model, new[] { ThreeModelRun.Classifier, BuiltinModels.DefaultName, PpOcrModel.Name }));
            Assert.All(r.Objects!, o => Assert.Equal(BuiltinModels.DefaultName, o.Model));
            // The classifier's labels come first, its top-k of them.
            Assert.Equal(5, r.Labels.TakeWhile(l => l.Model == ThreeModelRun.Classifier).Count());
            Assert.NotNull(r.Hash);
            Assert.NotNull(r.Width);
        }
        var product = run.Records[ThreeModelRun.Product];
        Assert.Equal(["西湖龙井", "买一送一"], product.Texts!.Select(t => t.Text));
        // In the original's pixels, top to bottom: the lines were drawn centred on (250, 80) and (250, 300).
        var (first, second) = (product.Texts![0], product.Texts[1]);
        Assert.InRange((first.Box[1] + first.Box[3]) / 2, 70, 90);
        Assert.InRange((second.Box[1] + second.Box[3]) / 2, 290, 310);
        Assert.All(product.Texts, t => Assert.Equal(4, t.Polygon.Length));
    }

    [Fact]
    public void Keyword_rules_turn_the_text_into_labels_of_the_ocr_model()
    {
        SkipWithoutRun();
        var product = run.Records[ThreeModelRun.Product];
        var tea = Assert.Single(product.Labels, l => l.Label == "绿茶");
        Assert.Equal(("green tea", PpOcrModel.Name), (tea.LabelEn, tea.Model));
        Assert.Equal(product.Texts![0].Score, tea.Score, 4);
        Assert.Contains(product.Labels, l => l.Label == "促销");
        Assert.All(run.Records.Values.Where(r => r.Path != ThreeModelRun.Product), r => Assert.DoesNotContain(r.Labels, l => l.Model == PpOcrModel.Name));
    }

    [Fact]
    public void Each_file_is_read_and_decoded_once_for_all_three_models()
    {
        SkipWithoutRun();
        Assert.Equal(run.Photos.Count, run.Reads);
    }

    [Fact]
    public void The_summary_lists_each_model_and_its_share_of_the_time()
    {
        SkipWithoutRun();
        var models = run.Summary!.Models!;
        Assert.Equal([ThreeModelRun.Classifier, BuiltinModels.DefaultName, PpOcrModel.Name], models.Select(m => m.Name));
        Assert.Equal(["classify", "detect", "ocr"], models.Select(m => m.Task));
        Assert.All(models, m => Assert.True(m.Seconds > 0 && m.Share > 0));
        Assert.Equal(1, models.Sum(m => m.Share), 2);
        Assert.Equal($"{ThreeModelRun.Classifier}+{BuiltinModels.DefaultName}+{PpOcrModel.Name}", run.Summary.Model);
        var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Out, OutputFolder.SummaryFile))).RootElement;
        Assert.Equal(3, written.GetProperty("models").GetArrayLength());
        Assert.True(written.GetProperty("models")[2].GetProperty("share").GetDouble() > 0);
    }

    [Fact]
    public void Csv_parquet_and_per_image_json_carry_the_texts_and_the_models()
    {
        SkipWithoutRun();
        var csv = File.ReadAllLines(Path.Combine(run.Out, OutputFolder.CsvFile));
        Assert.EndsWith(",hash,texts", csv[0]);
        Assert.Contains(csv, l => l.StartsWith(ThreeModelRun.Product + ",", StringComparison.Ordinal) && l.EndsWith(",西湖龙井 | 买一送一", StringComparison.Ordinal));

        // DuckDB, an independent reader, finds the photo by its text and sees each label's model.
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        var parquet = Path.Combine(run.Out, OutputFolder.ParquetFile);
        cmd.CommandText = $"SELECT path, to_json(texts)::VARCHAR, labels[1].model FROM read_parquet('{parquet}') " +
            "WHERE len(list_filter(texts, t -> contains(t.text, '龙井'))) > 0";
        using (var reader = cmd.ExecuteReader())
        {
            Assert.True(reader.Read());
            Assert.Equal(ThreeModelRun.Product, reader.GetString(0));
            var texts = JsonDocument.Parse(reader.GetString(1)).RootElement;
            Assert.Equal(["西湖龙井", "买一送一"], texts.EnumerateArray().Select(t => t.GetProperty("text").GetString()));
            Assert.Equal(8, texts[0].GetProperty("polygon").GetArrayLength());
            Assert.Equal(4, texts[0].GetProperty("box").GetArrayLength());
            Assert.Equal(ThreeModelRun.Classifier, reader.GetString(2));
            Assert.False(reader.Read());
        }
        cmd.CommandText = $"SELECT DISTINCT o.model FROM (SELECT unnest(objects) AS o FROM read_parquet('{parquet}'))";
        using (var reader = cmd.ExecuteReader())
        {
            Assert.True(reader.Read());
            Assert.Equal(BuiltinModels.DefaultName, reader.GetString(0));
            Assert.False(reader.Read());
        }

        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Out, OutputFolder.JsonFolder, ThreeModelRun.Product + ".json"))).RootElement;
        Assert.Equal("西湖龙井", json.GetProperty("texts")[0].GetProperty("text").GetString());
        Assert.Equal(4, json.GetProperty("texts")[0].GetProperty("polygon").GetArrayLength());
        Assert.Equal(ThreeModelRun.Classifier, json.GetProperty("labels")[0].GetProperty("model").GetString());
    }

    [Fact]
    public async Task An_interrupted_run_of_several_models_resumes_to_whole_records()
    {
        SkipWithoutRun();
        var output = run.Temp("resumed");
        var options = run.Run(output) with { Models = [.. run.Run().Models.Select(m => m with { BatchSize = 1 })] };
        using (var cts = new CancellationTokenSource())
        {
            var progress = new Stop(cts, after: 2);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TaggingEngine.RunAsync(options, progress, ct: cts.Token));
        }
        var partial = File.ReadAllLines(Path.Combine(output, OutputFolder.ResultsFile));
        Assert.InRange(partial.Length, 1, run.Photos.Count - 1);
        // A kill -9 in the middle of a line: the torn tail is cut when the next run opens the journal.
        File.AppendAllText(Path.Combine(output, OutputFolder.ResultsFile), partial[0][..40]);

        var summary = await TaggingEngine.RunAsync(options, ct: TestContext.Current.CancellationToken);
        Assert.True(summary.Completed);
        Assert.Equal(partial.Length, summary.Skipped);
        var records = File.ReadAllLines(Path.Combine(output, OutputFolder.ResultsFile)).Select(l => ResultJson.Read(JsonDocument.Parse(l).RootElement)).ToList();
        Assert.Equal(run.Photos.Order(), records.Select(r => r.Path).Order());
        foreach (var r in records)
        {
            var whole = run.Records[r.Path];
            Assert.Equal(whole.Texts!.Select(t => t.Text), r.Texts!.Select(t => t.Text));
            Assert.Equal(whole.Labels.Select(l => (l.Label, l.Model)), r.Labels.Select(l => (l.Label, l.Model)));
        }
    }

    [Fact]
    public async Task A_run_with_another_set_of_models_is_refused_unless_it_starts_afresh()
    {
        SkipWithoutRun();
        var output = run.Temp("changed");
        var detector = ModelTestKit.Run([run.In], output, new ModelOptions { Model = BuiltinModels.DefaultName });
        await TaggingEngine.RunAsync(detector, ct: TestContext.Current.CancellationToken);
        var withOcr = detector with { Models = [detector.Model, new ModelOptions { Model = PpOcrModel.Name }] };
        var refused = await Assert.ThrowsAsync<OutputException>(() => TaggingEngine.RunAsync(withOcr, ct: TestContext.Current.CancellationToken));
        Assert.Contains("coco-centernet", refused.Message);
        Assert.Contains("--overwrite", refused.Message);
        var again = await TaggingEngine.RunAsync(detector, ct: TestContext.Current.CancellationToken);
        Assert.Equal(run.Photos.Count, again.Skipped);
        var fresh = await TaggingEngine.RunAsync(withOcr with { Output = withOcr.Output with { Overwrite = true } }, ct: TestContext.Current.CancellationToken);
        Assert.Equal(run.Photos.Count, fresh.ThisRun);
        Assert.All(ResultJournal.ReadAll(new OutputFolder(output)), r => Assert.NotNull(r.Texts));
    }

    [Fact]
    public async Task The_library_tags_one_image_with_several_models_as_the_run_did()
    {
        SkipWithoutRun();
        using var tagger = Tagger.CreateMany(run.Run().Models, new PostprocessOptions { TextTagsFile = run.Run().Postprocess.TextTagsFile });
        var record = await tagger.TagAsync(Path.Combine(run.In, ThreeModelRun.Product), TestContext.Current.CancellationToken);
        var expected = run.Records[ThreeModelRun.Product];
        Assert.Equal(expected.Texts!.Select(t => t.Text), record.Texts!.Select(t => t.Text));
        Assert.Equal(expected.Labels.Select(l => (l.Label, l.Model)), record.Labels.Select(l => (l.Label, l.Model)));
        Assert.Equal(expected.Hash, record.Hash);
    }

    /// <summary>Cancels the run once <c>after</c> images are done.</summary>
    private sealed class Stop(CancellationTokenSource cts, int after) : IProgress<RunProgress>
    {
        public void Report(RunProgress value)
        {
            if (value.Done >= after) cts.Cancel();
        }
    }
}
