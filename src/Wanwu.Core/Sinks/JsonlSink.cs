using System.Buffers;
using System.Text.Json;

namespace Wanwu.Sinks;

/// <summary>results.jsonl: one line per image, appended and flushed to disk after every batch (see <see cref="ResultJournal"/>).</summary>
public sealed class JsonlSink : IResultSink
{
    public const string FileName = "results.jsonl";
    private readonly FileStream _file;

    public JsonlSink(string outputDir)
    {
        _file = SinkFiles.Create(Path.Combine(outputDir, FileName), append: true);
    }

    public async ValueTask WriteAsync(IReadOnlyList<ImageResult> results, CancellationToken ct)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var r in results)
        {
            using (var w = new Utf8JsonWriter(buffer, ResultJson.Options)) ResultJson.Write(w, r);
            buffer.Write("\n"u8);
        }
        await SinkFiles.WriteAsync(_file, buffer.WrittenMemory, ct);
    }

    public ValueTask DisposeAsync() => SinkFiles.CloseAsync(_file);
}
