using System.Text.Encodings.Web;
using System.Text.Json;

namespace Wanwu.Sinks;

/// <summary>The JSON mapping of the record (results.jsonl lines, per-image files): the contract in the README's Output section.</summary>
internal static class ResultJson
{
    /// <summary>
    /// Format of the record, written as <c>"v"</c> in every record. History: 1 = the first format (records without
    /// <c>"v"</c> are format 1). Optional fields added since, which older readers skip, so still format 1:
    /// <c>"hash"</c> (2026-11-24, the file's content hash); <c>"model"</c> on each label and object and <c>"texts"</c>
    /// (2026-11-24, several models in one run and OCR). A format-1 record without them reads with no model and no texts.
    /// </summary>
    public const int Version = 1;

    /// <summary>Chinese stays readable in the files; only what JSON requires is escaped.</summary>
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(Utf8JsonWriter w, ImageResult r)
    {
        w.WriteStartObject();
        w.WriteString("path", r.Path);
        if (r.Width is { } width) w.WriteNumber("width", width);
        if (r.Height is { } height) w.WriteNumber("height", height);
        w.WriteStartArray("labels");
        foreach (var l in r.Labels)
        {
            w.WriteStartObject();
            w.WriteNumber("id", l.Id);
            w.WriteString("label", l.Label);
            if (l.LabelEn is null) w.WriteNull("label_en"); else w.WriteString("label_en", l.LabelEn);
            w.WriteNumber("score", Round(l.Score));
            if (l.Model is { } model) w.WriteString("model", model);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (r.Objects is { } objects)
        {
            w.WriteStartArray("objects");
            foreach (var o in objects)
            {
                w.WriteStartObject();
                w.WriteNumber("id", o.Id);
                w.WriteString("label", o.Label);
                if (o.LabelEn is null) w.WriteNull("label_en"); else w.WriteString("label_en", o.LabelEn);
                w.WriteNumber("score", Round(o.Score));
                w.WriteStartArray("box");
                foreach (var v in o.Box) w.WriteNumberValue(v);
                w.WriteEndArray();
                if (o.Model is { } model) w.WriteString("model", model);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (r.Texts is { } texts)
        {
            w.WriteStartArray("texts");
            foreach (var t in texts)
            {
                w.WriteStartObject();
                w.WriteString("text", t.Text);
                w.WriteNumber("score", Round(t.Score));
                w.WriteStartArray("box");
                foreach (var v in t.Box) w.WriteNumberValue(v);
                w.WriteEndArray();
                w.WriteStartArray("polygon");
                foreach (var p in t.Polygon)
                {
                    w.WriteStartArray();
                    foreach (var v in p) w.WriteNumberValue(v);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (r.FileSize is { } size) w.WriteNumber("file_size", size);
        if (r.FileMtimeMs is { } mtime) w.WriteNumber("file_mtime_ms", mtime);
        if (r.Hash is { } hash) w.WriteString("hash", hash);
        if (r.Error is null) w.WriteNull("error");
        else
        {
            w.WriteStartObject("error");
            w.WriteString("type", r.Error.Type);
            w.WriteString("message", r.Error.Message);
            w.WriteEndObject();
        }
        w.WriteNumber("v", Version);
        w.WriteEndObject();
    }

    public static byte[] ToUtf8(ImageResult r, bool indented = false)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, Options with { Indented = indented })) Write(w, r);
        return buffer.WrittenSpan.ToArray();
    }

    private static double Round(float score) => Math.Round(score, 5);

    /// <summary>The record of one journal line, or null for a line that is not one (torn, corrupt).</summary>
    public static ImageResult? TryRead(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            using var doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? Read(doc.RootElement) : null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Reads a record back (used by resume, exports and reports); a record of a newer format is refused.</summary>
    public static ImageResult Read(JsonElement e)
    {
        if (e.TryGetProperty("v", out var v) && v.GetInt32() > Version)
            throw new OutputException($"a record is of format {v.GetInt32()}, newer than this wanwu reads ({Version}): update wanwu");
        static string? Text(JsonElement x, string name) => x.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        static float[] Floats(JsonElement x) => x.EnumerateArray().Select(v => v.GetSingle()).ToArray();
        static LabelScore Label(JsonElement x) => new(x.GetProperty("id").GetInt32(), x.GetProperty("label").GetString()!,
            Text(x, "label_en"), x.GetProperty("score").GetSingle()) { Model = Text(x, "model") };
        var labels = e.GetProperty("labels").EnumerateArray().Select(Label).ToList();
        List<DetectedObject>? objects = e.TryGetProperty("objects", out var objs)
            ? objs.EnumerateArray().Select(o =>
            {
                var l = Label(o);
                return new DetectedObject(l.Id, l.Label, l.LabelEn, l.Score, Floats(o.GetProperty("box"))) { Model = l.Model };
            }).ToList()
            : null;
        List<TextLine>? texts = e.TryGetProperty("texts", out var lines) && lines.ValueKind == JsonValueKind.Array
            ? lines.EnumerateArray().Select(t => new TextLine(t.GetProperty("text").GetString()!, t.GetProperty("score").GetSingle(),
                Floats(t.GetProperty("box")), t.GetProperty("polygon").EnumerateArray().Select(Floats).ToArray())).ToList()
            : null;
        var error = e.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.Object
            ? new ImageError(err.GetProperty("type").GetString()!, err.GetProperty("message").GetString()!)
            : null;
        long? Long(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
        return new ImageResult(e.GetProperty("path").GetString()!, labels, objects, error, (int?)Long("width"), (int?)Long("height"))
        {
            FileSize = Long("file_size"),
            FileMtimeMs = Long("file_mtime_ms"),
            Hash = Text(e, "hash"),
            Texts = texts,
        };
    }
}
