using System.Text;
using System.Text.Json;

namespace Wanwu.Sinks;

/// <summary>
/// The images a <c>--retry-errors</c> job has tagged again, one JSON string a line in <c>OUT/.wanwu/retried</c>. A job
/// can span several processes (the supervisor's children after a crash or a hang, an interrupted run resumed), and
/// each of them tries only the errors not tried yet, so a file that hangs again is recorded once, not retried forever.
/// A run that completes ends the job and removes the file.
/// </summary>
internal sealed class RetryLog
{
    private readonly string _path;
    private readonly HashSet<string> _paths;

    private RetryLog(string path, HashSet<string> paths)
    {
        _path = path;
        _paths = paths;
    }

    /// <summary>Images tagged again in this job so far.</summary>
    public int Count => _paths.Count;

    public bool Contains(string path) => _paths.Contains(path);

    /// <summary>Reads the log of the job in progress in <paramref name="folder"/>; empty when none is.</summary>
    public static RetryLog Open(OutputFolder folder)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        if (File.Exists(folder.Retried))
        {
            try
            {
                foreach (var line in File.ReadLines(folder.Retried))
                {
                    // A torn last line (a process killed mid-write) only means that image may be tried once more.
                    try { if (JsonSerializer.Deserialize<string>(line) is { } path) paths.Add(path); }
                    catch (JsonException) { }
                }
            }
            catch (IOException e)
            {
                throw new OutputException($"Cannot read '{folder.Retried}': {e.Message}", e);
            }
        }
        return new RetryLog(folder.Retried, paths);
    }

    /// <summary>Notes images whose new record is in the journal.</summary>
    public void Add(IEnumerable<string> paths)
    {
        var text = new StringBuilder();
        foreach (var path in paths)
            if (_paths.Add(path)) text.Append(JsonSerializer.Serialize(path)).Append('\n');
        if (text.Length == 0) return;
        try
        {
            File.AppendAllText(_path, text.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"Cannot write '{_path}': {e.Message}", e);
        }
    }

    /// <summary>Ends the job: the next <c>--retry-errors</c> run tries every error again.</summary>
    public static void End(OutputFolder folder)
    {
        if (File.Exists(folder.Retried)) File.Delete(folder.Retried);
    }
}
