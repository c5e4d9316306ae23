using System.Buffers;
using System.Text.Json;

namespace Wanwu.Sinks;

/// <summary>results.jsonl: one line per image, appended and flushed to disk after every batch (see <see cref="ResultJournal"/>).</summary>
internal sealed class JsonlSink(OutputFolder folder, ResultJournal? journal = null) : IResultSink
{
    private readonly FileStream _file = SinkFiles.Create(folder.Results, append: true);

    public async ValueTask WriteAsync(IReadOnlyList<ImageResult> results, CancellationToken ct)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        WriteLines(buffer, results);
        await SinkFiles.WriteAsync(_file, buffer.WrittenMemory, ct);
    }

    /// <summary>The journal lines of <paramref name="results"/>, one record a line.</summary>
    public static void WriteLines(IBufferWriter<byte> buffer, IEnumerable<ImageResult> results)
    {
        foreach (var r in results)
        {
            using (var w = new Utf8JsonWriter(buffer, ResultJson.Options)) ResultJson.Write(w, r);
            buffer.Write("\n"u8);
        }
    }

    /// <summary>A changed file tagged again left its old line behind: it goes, so every image keeps exactly one record.</summary>
    public async ValueTask FinishAsync()
    {
        await SinkFiles.CloseAsync(_file);
        if (journal is { Superseded: true }) journal.Compact();
    }

    public ValueTask DisposeAsync() => SinkFiles.CloseAsync(_file);
}
