using System.Text.Json;
using Wanwu.IO;
using Wanwu.Sources;

namespace Wanwu.Sinks;

/// <summary>
/// results.jsonl read as an append-only journal, which is what makes runs resumable. A line counts only once it is whole
/// (ends with a newline and parses); at the start of a run a torn last line (kill -9, power loss) is cut off, and when an
/// image has more than one line (a changed file tagged again, a corrupt line) the file is rewritten atomically, keeping
/// the last whole line of each path.
/// </summary>
internal sealed class ResultJournal
{
    private readonly OutputFolder _folder;
    private readonly Dictionary<string, FileStamp> _done;
    private readonly HashSet<string>? _retry;
    private readonly RetryLog? _retried;
    private long _skipped;

    private ResultJournal(OutputFolder folder, Dictionary<string, FileStamp> done, HashSet<string>? retry = null)
    {
        _folder = folder;
        _done = done;
        if (retry is null) return;
        // Errors this retry job already tried (in an earlier process of it) are not tried again.
        _retried = RetryLog.Open(folder);
        retry.RemoveWhere(_retried.Contains);
        _retry = retry;
    }

    /// <summary>Images with a record, and the size and time their file had when tagged.</summary>
    public IReadOnlyDictionary<string, FileStamp> Done => _done;

    /// <summary>Whether <paramref name="item"/> already has a record for the file as it is now.</summary>
    public bool IsDone(InputItem item) =>
        _done.TryGetValue(item.Path, out var stamp) && stamp == item.Stamp && stamp.Size >= 0 && _retry?.Contains(item.Path) != true;

    /// <summary>Images with an error record that this retry job has tagged again, over all its processes.</summary>
    public int Retried => _retried?.Count ?? 0;

    /// <summary>Lines that were dropped while opening: a torn tail, corrupt lines, superseded duplicates.</summary>
    public int Repaired { get; private set; }

    /// <summary>Inputs <see cref="Pending"/> passed over because they are done.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Whether an image with a record was handed out again (its file changed): its old line must go at the end.</summary>
    public bool Superseded { get; private set; }

    /// <summary>The inputs that still need a record: the resume filter.</summary>
    public IEnumerable<InputItem> Pending(IEnumerable<InputItem> items)
    {
        foreach (var item in items)
        {
            if (IsDone(item)) { Interlocked.Increment(ref _skipped); continue; }
            if (_done.ContainsKey(item.Path)) Superseded = true;
            yield return item;
        }
    }

    /// <summary>
    /// Reads and, where needed, repairs the journal of <paramref name="folder"/>. With <paramref name="retryErrors"/>, an
    /// image whose record is a retryable error (<see cref="ImageErrorTypes.IsRetryable"/>) is not done.
    /// </summary>
    public static ResultJournal Open(OutputFolder folder, bool retryErrors = false)
    {
        var path = folder.Results;
        var done = new Dictionary<string, FileStamp>(StringComparer.Ordinal);
        var retry = retryErrors ? new HashSet<string>(StringComparer.Ordinal) : null;
        if (!File.Exists(path)) return new ResultJournal(folder, done, retry);
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
                if (ResultJson.TryRead(line) is { } record)
                {
                    done[record.Path] = new FileStamp(record.FileSize ?? -1, record.FileMtimeMs ?? 0);
                    if (record.Error is { } error && ImageErrorTypes.IsRetryable(error.Type)) retry?.Add(record.Path);
                    else retry?.Remove(record.Path);
                    goodEnd = end;
                }
                else bad++;
            }
        }
        catch (IOException e)
        {
            throw new OutputException($"Cannot read '{path}' to resume: {e.Message}", e);
        }
        var journal = new ResultJournal(folder, done, retry) { Repaired = bad + (torn ? 1 : 0) + (lines - bad - done.Count) };
        if (bad > 0 || lines - bad > done.Count) journal.Compact();
        else if (torn) Truncate(path, goodEnd);
        return journal;
    }

    /// <summary>
    /// Notes that <paramref name="written"/> is in the journal: the images among them that were retried are not retried
    /// again in this job, also by a later process of it.
    /// </summary>
    public void Wrote(IReadOnlyList<ImageResult> written)
    {
        if (_retry is null || _retry.Count == 0) return;
        _retried!.Add(written.Select(r => r.Path).Where(_retry.Contains));
    }

    /// <summary>A run ended complete: a retry job in progress is over, the next one tries every error again.</summary>
    public void EndRetries() => RetryLog.End(_folder);

    /// <summary>Rewrites the journal keeping the last whole, parseable line of each path, atomically.</summary>
    public void Compact()
    {
        var path = _folder.Results;
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        using (var stream = File.OpenRead(path))
            foreach (var (line, _, complete) in Lines(stream))
            {
                if (complete && ResultJson.TryRead(line) is { } r) last[r.Path] = index;
                index++;
            }
        AtomicFile.Write(path, output =>
        {
            using var input = File.OpenRead(path);
            index = 0;
            foreach (var (line, _, complete) in Lines(input))
            {
                if (complete && ResultJson.TryRead(line) is { } r && last[r.Path] == index)
                {
                    output.Write(line);
                    output.WriteByte((byte)'\n');
                }
                index++;
            }
        });
    }

    /// <summary>Every whole record of the journal of <paramref name="folder"/>, streamed.</summary>
    public static IEnumerable<ImageResult> ReadAll(OutputFolder folder)
    {
        var path = folder.Results;
        if (!File.Exists(path)) yield break;
        using var stream = File.OpenRead(path);
        foreach (var (line, _, complete) in Lines(stream))
        {
            if (!complete) yield break;
            if (ResultJson.TryRead(line) is { } record) yield return record;
        }
    }

    /// <summary>
    /// The records of a run's output folder: its journal, or, for a cluster run whose shards are not merged into one
    /// (it is running or was interrupted), every shard's.
    /// </summary>
    public static IEnumerable<ImageResult> ReadRun(OutputFolder folder) =>
        File.Exists(folder.Results) ? ReadAll(folder) : folder.ShardFolders().SelectMany(ReadAll);

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
}
