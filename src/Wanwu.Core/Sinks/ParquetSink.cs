using System.Text.Json.Serialization;
using Parquet;
using Parquet.Serialization;

namespace Wanwu.Sinks;

/// <summary>
/// results.parquet: the journal as a Parquet table, one row per image (schema in the README's Output section). It is written from
/// results.jsonl when a run ends (also an interrupted one), through a temporary file and a rename, so it always equals
/// the journal and never holds half a row group.
/// </summary>
internal sealed class ParquetSink(OutputFolder folder) : IResultSink
{
    private const int RowGroup = 50_000;

    public ValueTask WriteAsync(IReadOnlyList<ImageResult> results, CancellationToken ct) => ValueTask.CompletedTask;

    public async ValueTask FinishAsync() => await WriteAsync(folder);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Writes results.parquet from the journal of <paramref name="folder"/>.</summary>
    public static Task WriteAsync(OutputFolder folder, CancellationToken ct = default) =>
        IO.AtomicFile.WriteAsync(folder.Parquet, async stream =>
        {
            var first = true;
            foreach (var chunk in ResultJournal.ReadAll(folder).Select(Row.From).Chunk(RowGroup))
            {
                await ParquetSerializer.SerializeAsync(chunk, stream, new ParquetOptions { Append = !first }, cancellationToken: ct);
                first = false;
            }
            if (first) await ParquetSerializer.SerializeAsync(Array.Empty<Row>(), stream, cancellationToken: ct);
        });

    /// <summary>The Parquet mapping of the record: one row per image (schema in the README).</summary>
    public sealed class Label
    {
        [JsonPropertyName("id")] public int Id { get; set; }
        [JsonPropertyName("label")] public string Name { get; set; } = "";
        [JsonPropertyName("label_en")] public string? English { get; set; }
        [JsonPropertyName("score")] public float Score { get; set; }
        [JsonPropertyName("model")] public string? Model { get; set; }
    }

    public sealed class Object
    {
        [JsonPropertyName("id")] public int Id { get; set; }
        [JsonPropertyName("label")] public string Name { get; set; } = "";
        [JsonPropertyName("label_en")] public string? English { get; set; }
        [JsonPropertyName("score")] public float Score { get; set; }
        [JsonPropertyName("box")] public List<float> Box { get; set; } = [];
        [JsonPropertyName("model")] public string? Model { get; set; }
    }

    /// <summary>A line of text read in the image; <c>polygon</c> is its four corners flattened: x1, y1, … x4, y4.</summary>
    public sealed class Text
    {
        [JsonPropertyName("text")] public string Value { get; set; } = "";
        [JsonPropertyName("score")] public float Score { get; set; }
        [JsonPropertyName("box")] public List<float> Box { get; set; } = [];
        [JsonPropertyName("polygon")] public List<float> Polygon { get; set; } = [];
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
        [JsonPropertyName("hash")] public string? Hash { get; set; }
        [JsonPropertyName("texts")] public List<Text> Texts { get; set; } = [];

        public static Row From(ImageResult r) => new()
        {
            Path = r.Path, Width = r.Width, Height = r.Height,
            Labels = r.Labels.Select(l => new Label { Id = l.Id, Name = l.Label, English = l.LabelEn, Score = l.Score, Model = l.Model }).ToList(),
            Objects = (r.Objects ?? []).Select(o => new Object { Id = o.Id, Name = o.Label, English = o.LabelEn, Score = o.Score, Box = [.. o.Box], Model = o.Model }).ToList(),
            Texts = (r.Texts ?? []).Select(t => new Text { Value = t.Text, Score = t.Score, Box = [.. t.Box], Polygon = [.. t.Polygon.SelectMany(p => p)] }).ToList(),
            ErrorType = r.Error?.Type, ErrorMessage = r.Error?.Message, FileSize = r.FileSize, FileMtimeMs = r.FileMtimeMs,
            Hash = r.Hash,
        };
    }
}
