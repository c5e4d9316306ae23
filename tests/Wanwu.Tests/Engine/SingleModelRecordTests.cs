using System.Text.Json;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>
/// A run of one model writes the records it wrote before several models could run, plus <c>"model"</c> on each label
/// and object: compared with the records main wrote at 0f1ebe8 on the 100 shared photos (data/single-model-before).
/// </summary>
public class SingleModelRecordTests
{
    [Theory]
    [InlineData("centernet", BuiltinModels.DefaultName, "coco-centernet")]
    [InlineData("mobilenet", "models/st-mobilenet", "mobilenet_v2_1.0_224_int8_per_tensor")]
    public async Task Records_are_those_of_before_plus_the_model_name(string fixture, string model, string name)
    {
        var path = model.StartsWith("models/", StringComparison.Ordinal) ? TestPaths.RequireShared(model) : model;
        using var dir = new TempDir();
        await TaggingEngine.RunAsync(ModelTestKit.Run([TestPaths.Photos], dir["out"], new ModelOptions { Model = path }), ct: TestContext.Current.CancellationToken);

        var before = File.ReadAllLines(TestPaths.Data($"single-model-before/{fixture}.jsonl")).Select(Parse).ToDictionary(e => e.GetProperty("path").GetString()!);
        var now = File.ReadAllLines(dir["out/" + OutputFolder.ResultsFile]).Select(Parse).ToList();
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), now.Select(e => e.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));
        foreach (var record in now)
        {
            var old = before[record.GetProperty("path").GetString()!];
            // Field for field, in the same order; labels and objects have "model" last, and nothing else is new.
            Assert.Equal(Names(old).Where(n => n != "file_mtime_ms"), Names(record).Where(n => n != "file_mtime_ms"));
            foreach (var field in new[] { "width", "height", "file_size", "hash", "error", "v" })
                Assert.Equal(old.TryGetProperty(field, out var o) ? o.GetRawText() : null, record.TryGetProperty(field, out var n) ? n.GetRawText() : null);
            SameItems(old.GetProperty("labels"), record.GetProperty("labels"), name);
            if (old.TryGetProperty("objects", out var objects)) SameItems(objects, record.GetProperty("objects"), name);
            Assert.False(record.TryGetProperty("texts", out _));
        }
    }

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement.Clone();

    private static IEnumerable<string> Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name);

    private static void SameItems(JsonElement before, JsonElement now, string model)
    {
        Assert.Equal(before.GetArrayLength(), now.GetArrayLength());
        for (var i = 0; i < before.GetArrayLength(); i++)
        {
            var (b, n) = (before[i], now[i]);
            Assert.Equal([.. Names(b), "model"], Names(n));
            Assert.Equal(model, n.GetProperty("model").GetString());
            Assert.Equal(b.GetProperty("id").GetInt32(), n.GetProperty("id").GetInt32());
            Assert.Equal(b.GetProperty("label").GetString(), n.GetProperty("label").GetString());
            Assert.Equal(b.GetProperty("label_en").GetRawText(), n.GetProperty("label_en").GetRawText());
            // The same arithmetic on another machine may differ in the last rounded digit.
            Assert.Equal(b.GetProperty("score").GetDouble(), n.GetProperty("score").GetDouble(), 3);
            if (b.TryGetProperty("box", out var box))
                for (var k = 0; k < 4; k++) Assert.Equal(box[k].GetDouble(), n.GetProperty("box")[k].GetDouble(), 0.1);
        }
    }
}
