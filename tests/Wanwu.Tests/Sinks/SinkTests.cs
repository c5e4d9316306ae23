using System.Text.Json;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Tests;

public class SinkTests
{
    private static readonly ImageResult Ok = new("dir/猫.jpg", [new LabelScore(15, "猫", "cat", 0.9f), new LabelScore(16, "狗", "dog", 0.05f)],
        [new DetectedObject(15, "猫", "cat", 0.9f, [1, 2, 30.5f, 40])], null, 640, 480) { Hash = "xxh128:0123456789abcdef0123456789abcdef" };
    private static readonly ImageResult Bad = ImageResult.Failed("bad, \"quoted\".jpg", "decode_error", "not a known file format");

    [Fact]
    public async Task Jsonl_lines_follow_the_record_contract_and_keep_chinese_readable()
    {
        using var dir = new TempDir();
        await using (var sink = new JsonlSink(new OutputFolder(dir.Path))) await sink.WriteAsync([Ok, Bad], TestContext.Current.CancellationToken);
        var lines = File.ReadAllLines(dir[OutputFolder.ResultsFile]);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"label\":\"猫\"", lines[0]);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("dir/猫.jpg", first.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("error").ValueKind);
        var label = first.GetProperty("labels")[0];
        Assert.Equal((15, "猫", "cat"), (label.GetProperty("id").GetInt32(), label.GetProperty("label").GetString(), label.GetProperty("label_en").GetString()));
        Assert.Equal(0.9, label.GetProperty("score").GetDouble(), 5);
        Assert.Equal([1, 2, 30.5, 40], first.GetProperty("objects")[0].GetProperty("box").EnumerateArray().Select(v => v.GetDouble()));
        var second = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal(0, second.GetProperty("labels").GetArrayLength());
        Assert.Equal("decode_error", second.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(Ok with { Labels = Ok.Labels }, ResultJson.Read(first), new ResultComparer());
        Assert.Equal(Ok.Hash, first.GetProperty("hash").GetString());
        Assert.False(second.TryGetProperty("hash", out _));
    }

    [Fact]
    public async Task Csv_quotes_what_needs_quoting()
    {
        using var dir = new TempDir();
        await using (var sink = new CsvSink(new OutputFolder(dir.Path))) await sink.WriteAsync([Ok, Bad], TestContext.Current.CancellationToken);
        var lines = File.ReadAllLines(dir[OutputFolder.CsvFile]);
        Assert.Equal("path,top_label,top_label_en,top_score,labels,objects,error_type,error_message,hash,texts", lines[0].TrimStart('\uFEFF'));
        Assert.Equal("dir/猫.jpg,猫,cat,0.9,猫:0.9;狗:0.05,1,,,xxh128:0123456789abcdef0123456789abcdef,", lines[1]);
        Assert.Equal("\"bad, \"\"quoted\"\".jpg\",,,,,,decode_error,not a known file format,,", lines[2]);
        var bytes = File.ReadAllBytes(dir[OutputFolder.CsvFile]);
        Assert.Equal([0xEF, 0xBB, 0xBF, (byte)'p'], bytes[..4]);
        Assert.DoesNotContain((byte)'\r', bytes);
    }

    [Fact]
    public async Task Csv_quotes_line_breaks_and_leaves_spaces_and_formulas_as_they_are()
    {
        using var dir = new TempDir();
        var odd = ImageResult.Failed(" =x.jpg", "decode_error", "line one\nline \"two\"");
        await using (var sink = new CsvSink(new OutputFolder(dir.Path))) await sink.WriteAsync([odd], TestContext.Current.CancellationToken);
        var text = File.ReadAllText(dir[OutputFolder.CsvFile]);
        Assert.EndsWith("\n =x.jpg,,,,,,decode_error,\"line one\nline \"\"two\"\"\",,\n", text);
    }

    [Fact]
    public async Task Per_image_json_mirrors_the_input_tree_and_stays_inside_the_output()
    {
        using var dir = new TempDir();
        var sink = new PerImageJsonSink(new OutputFolder(dir.Path));
        await sink.WriteAsync([Ok, ImageResult.Failed("../../escape.jpg", "x", "y")], TestContext.Current.CancellationToken);
        Assert.True(File.Exists(dir["json/dir/猫.jpg.json"]));
        Assert.StartsWith(dir["json"], sink.PathFor("../../escape.jpg"));
        Assert.Equal("dir/猫.jpg", JsonDocument.Parse(File.ReadAllText(dir["json/dir/猫.jpg.json"])).RootElement.GetProperty("path").GetString());
    }

    private sealed class ResultComparer : IEqualityComparer<ImageResult>
    {
        public bool Equals(ImageResult? a, ImageResult? b) =>
            a!.Path == b!.Path && a.Labels.SequenceEqual(b.Labels) && a.Error == b.Error && a.Width == b.Width && a.Hash == b.Hash &&
            a.Objects!.Zip(b.Objects!).All(p => p.First.Box.SequenceEqual(p.Second.Box) && p.First.Label == p.Second.Label);
        public int GetHashCode(ImageResult r) => r.Path.GetHashCode();
    }
}
