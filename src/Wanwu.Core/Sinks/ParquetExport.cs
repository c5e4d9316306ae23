using System.Text.Json.Serialization;
using Parquet;
using Parquet.Serialization;

namespace Wanwu.Sinks;

/// <summary>
/// results.parquet: the journal as a Parquet table, one row per image (schema in docs/output.md). It is written from
/// results.jsonl when a run ends (also an interrupted one), through a temporary file and a rename, so it always equals
/// the journal and never holds half a row group.
/// </summary>
public static class ParquetExport
{
    public const string FileName = "results.parquet";
    private const int RowGroup = 50_000;

    public sealed class Label
    {
        [JsonPropertyName("id")] public int Id { get; set; }
        [JsonPropertyName("label")] public string Name { get; set; } = "";
        [JsonPropertyName("label_en")] public string? English { get; set; }
        [JsonPropertyName("score")] public float Score { get; set; }
    }

    public sealed class Object
    {
        [JsonPropertyName("id")] public int Id { get; set; }
        [JsonPropertyName("label")] public string Name { get; set; } = "";
        [JsonPropertyName("label_en")] public string? English { get; set; }
        [JsonPropertyName("score")] public float Score { get; set; }
        [JsonPropertyName("box")] public List<float> Box { get; set; } = [];
    }

    public sealed class Row
    {
        [JsonPropertyName("path")] public string Path { get; set; } = "";
        [JsonPropertyName("width")] public int? Width { get; set; }
        [JsonPropertyName("height")] public int? Height { get; set; }
        [JsonPropertyName("labels")] public List<Label> Labels { get; set; } = [];
        [JsonPropertyName("objects")] public List<Object> Objects { get; set; } = [];
        [JsonPropertyName("error_type")] public string? ErrorType { get; set; }
        [JsonPropertyName("error_message")] public string? ErrorMessage { get; set; }
        [JsonPropertyName("file_size")] public long? FileSize { get; set; }
        [JsonPropertyName("file_mtime_ms")] public long? FileMtimeMs { get; set; }

        public static Row From(ImageResult r) => new()
        {
            Path = r.Path, Width = r.Width, Height = r.Height,
            Labels = r.Labels.Select(l => new Label { Id = l.Id, Name = l.Label, English = l.LabelEn, Score = l.Score }).ToList(),
            Objects = (r.Objects ?? []).Select(o => new Object { Id = o.Id, Name = o.Label, English = o.LabelEn, Score = o.Score, Box = [.. o.Box] }).ToList(),
            ErrorType = r.Error?.Type, ErrorMessage = r.Error?.Message, FileSize = r.FileSize, FileMtimeMs = r.FileMtimeMs,
        };
    }

    public static async Task WriteAsync(string outputDir, CancellationToken ct = default)
    {
        var path = Path.Combine(outputDir, FileName);
        var tmp = path + ".tmp";
        try
        {
            File.Delete(tmp);
            var first = true;
            await using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite))
            {
                foreach (var chunk in ResultJournal.ReadAll(outputDir).Select(Row.From).Chunk(RowGroup))
                {
                    await ParquetSerializer.SerializeAsync(chunk, stream, new ParquetOptions { Append = !first }, cancellationToken: ct);
                    first = false;
                }
                if (first) await ParquetSerializer.SerializeAsync(Array.Empty<Row>(), stream, cancellationToken: ct);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (IOException e)
        {
            throw new OutputException($"Cannot write '{path}': {e.Message}", e);
        }
    }
}
