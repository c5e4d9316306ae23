using System.Text.Json;
using Wanwu.Sources;

namespace Wanwu.Sinks;

/// <summary>
/// results.jsonl read as an append-only journal, which is what makes runs resumable. A line counts only once it is whole
/// (ends with a newline and parses); at the start of a run a torn last line (kill -9, power loss) is cut off, and when an
/// image has more than one line (a changed file tagged again, a corrupt line) the file is rewritten through a temporary
/// file and a rename, keeping the last whole line of each path.
/// </summary>
public sealed class ResultJournal
{
    private readonly Dictionary<string, FileStamp> _done;

    private ResultJournal(Dictionary<string, FileStamp> done) => _done = done;

    /// <summary>Images with a record, and the size and time their file had when tagged.</summary>
    public IReadOnlyDictionary<string, FileStamp> Done => _done;

    /// <summary>Whether <paramref name="item"/> already has a record for the file as it is now.</summary>
    public bool IsDone(InputItem item) => _done.TryGetValue(item.Path, out var stamp) && stamp == item.Stamp && stamp.Size >= 0;

    /// <summary>Lines that were dropped while opening: a torn tail, corrupt lines, superseded duplicates.</summary>
    public int Repaired { get; private set; }

    public static string PathIn(string outputDir) => Path.Combine(outputDir, JsonlSink.FileName);

    /// <summary>Reads and, where needed, repairs the journal in <paramref name="outputDir"/>.</summary>
    public static ResultJournal Open(string outputDir)
    {
        var path = PathIn(outputDir);
        var done = new Dictionary<string, FileStamp>(StringComparer.Ordinal);
        if (!File.Exists(path)) return new ResultJournal(done);
        var lines = 0;
        var bad = 0;
        long goodEnd = 0;
        var torn = false;
        try
        {
            using var stream = File.OpenRead(path);
            foreach (var (line, end, complete) in Lines(stream))
            {
                if (!complete) { torn = true; break; }
                lines++;
                if (TryParse(line, out var recordPath, out var stamp))
                {
                    done[recordPath] = stamp;
                    goodEnd = end;
                }
                else bad++;
            }
        }
        catch (IOException e)
        {
            throw new OutputException($"Cannot read '{path}' to resume: {e.Message}", e);
        }
        var journal = new ResultJournal(done) { Repaired = bad + (torn ? 1 : 0) + (lines - bad - done.Count) };
        if (bad > 0 || lines - bad > done.Count) Compact(outputDir);
        else if (torn) Truncate(path, goodEnd);
        return journal;
    }

    /// <summary>Rewrites the journal keeping the last whole, parseable line of each path, atomically.</summary>
    public static void Compact(string outputDir)
    {
        var path = PathIn(outputDir);
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        using (var stream = File.OpenRead(path))
            foreach (var (line, _, complete) in Lines(stream))
            {
                if (complete && TryParse(line, out var p, out _)) last[p] = index;
                index++;
            }
        var tmp = path + ".tmp";
        try
        {
            using (var input = File.OpenRead(path))
            using (var output = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            {
                index = 0;
                foreach (var (line, _, complete) in Lines(input))
                {
                    if (complete && TryParse(line, out var p, out _) && last[p] == index)
                    {
                        output.Write(line);
                        output.WriteByte((byte)'\n');
                    }
                    index++;
                }
                output.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"Cannot rewrite '{path}': {e.Message}", e);
        }
    }

    /// <summary>Every whole record of the journal, streamed.</summary>
    public static IEnumerable<ImageResult> ReadAll(string outputDir)
    {
        var path = PathIn(outputDir);
        if (!File.Exists(path)) yield break;
        using var stream = File.OpenRead(path);
        foreach (var (line, _, complete) in Lines(stream))
        {
            if (!complete) yield break;
            ImageResult? record = null;
            try
            {
                using var doc = JsonDocument.Parse(line);
                record = ResultJson.Read(doc.RootElement);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }
            if (record is not null) yield return record;
        }
    }

    private static bool TryParse(byte[] line, out string path, out FileStamp stamp)
    {
        path = "";
        stamp = new FileStamp(-1, 0);
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("path", out var p) || p.ValueKind != JsonValueKind.String)
                return false;
            path = p.GetString()!;
            var size = root.TryGetProperty("file_size", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : -1;
            var mtime = root.TryGetProperty("file_mtime_ms", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 0;
            stamp = new FileStamp(size, mtime);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Lines without their newline, the offset just after each, and whether it ended with a newline.</summary>
    private static IEnumerable<(byte[] Line, long End, bool Complete)> Lines(Stream stream)
    {
        var buffer = new byte[1 << 16];
        var current = new MemoryStream();
        long offset = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n') continue;
                current.Write(buffer, start, i - start);
                offset += i - start + 1;
                yield return (current.ToArray(), offset, true);
                current.SetLength(0);
                start = i + 1;
            }
            current.Write(buffer, start, read - start);
            offset += read - start;
        }
        if (current.Length > 0) yield return (current.ToArray(), offset, false);
    }

    private static void Truncate(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Removes a previous run's outputs, for <c>--overwrite</c>.</summary>
    public static void Clear(string outputDir)
    {
        foreach (var file in new[] { JsonlSink.FileName, CsvSink.FileName, Engine.RunSummary.FileName })
            File.Delete(Path.Combine(outputDir, file));
        var json = Path.Combine(outputDir, PerImageJsonSink.FolderName);
        if (Directory.Exists(json)) Directory.Delete(json, true);
    }
}
