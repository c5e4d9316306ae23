using System.Text.Json;
using DuckDB.NET.Data;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Tests;

public class ParquetTests
{
    /// <summary>DuckDB, an independent Parquet reader, sees the same records as results.jsonl, field by field.</summary>
    [Theory]
    [InlineData("models/st-ssd-coco")]
    [InlineData("models/st-mobilenet")]
    public async Task Parquet_read_back_by_duckdb_equals_the_jsonl_record_by_record(string model)
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        foreach (var p in TestPaths.SomePhotos(30)) File.Copy(p, dir["in/" + Path.GetFileName(p)]);
        File.WriteAllText(dir["in/broken.jpg"], "not an image");
        var options = ModelTestKit.Run([dir["in"]], dir["out"], new ModelOptions { Model = TestPaths.RequireShared(model) }, OutputFormat.Parquet);
        await TaggingEngine.RunAsync(options, ct: TestContext.Current.CancellationToken);

        var expected = File.ReadAllLines(dir["out/results.jsonl"]).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("path").GetString()!);
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT path, width, to_json(labels)::VARCHAR, to_json(objects)::VARCHAR, error_type, error_message, file_size, hash FROM read_parquet('{dir["out/" + OutputFolder.ParquetFile]}')";
        using var reader = cmd.ExecuteReader();
        var seen = 0;
        while (reader.Read())
        {
            seen++;
            var e = expected[reader.GetString(0)];
            Assert.Equal(e.TryGetProperty("width", out var w) ? w.GetInt32() : (int?)null, reader.IsDBNull(1) ? (int?)null : reader.GetInt32(1));
            var labels = JsonDocument.Parse(reader.GetString(2)).RootElement.EnumerateArray().ToList();
            var jsonLabels = e.GetProperty("labels").EnumerateArray().ToList();
            Assert.Equal(jsonLabels.Count, labels.Count);
            for (var i = 0; i < labels.Count; i++)
            {
                Assert.Equal(jsonLabels[i].GetProperty("id").GetInt32(), labels[i].GetProperty("id").GetInt32());
                Assert.Equal(jsonLabels[i].GetProperty("label").GetString(), labels[i].GetProperty("label").GetString());
                Assert.Equal(jsonLabels[i].GetProperty("label_en").GetString(), labels[i].GetProperty("label_en").GetString());
                Assert.Equal(jsonLabels[i].GetProperty("score").GetDouble(), labels[i].GetProperty("score").GetDouble(), 4);
            }
            var objects = JsonDocument.Parse(reader.GetString(3)).RootElement.EnumerateArray().ToList();
            var jsonObjects = e.TryGetProperty("objects", out var o) ? o.EnumerateArray().ToList() : [];
            Assert.Equal(jsonObjects.Count, objects.Count);
            for (var i = 0; i < objects.Count; i++)
                Assert.Equal(jsonObjects[i].GetProperty("box").EnumerateArray().Select(v => v.GetDouble()), objects[i].GetProperty("box").EnumerateArray().Select(v => Math.Round(v.GetDouble(), 1)));
            var error = e.GetProperty("error");
            Assert.Equal(error.ValueKind == JsonValueKind.Null ? null : error.GetProperty("type").GetString(), reader.IsDBNull(4) ? null : reader.GetString(4));
            Assert.Equal(e.GetProperty("file_size").GetInt64(), reader.GetInt64(6));
            Assert.Equal(e.TryGetProperty("hash", out var hash) ? hash.GetString() : null, reader.IsDBNull(7) ? null : reader.GetString(7));
        }
        Assert.Equal(31, seen);
    }
}
