using Wanwu.IO;

namespace Wanwu.Sinks;

/// <summary>
/// An output folder: the one place its layout is known (records, derived formats, summary, wanwu's own state, the
/// cluster's shards, the report), its lock taken and its whole files written atomically.
/// </summary>
internal sealed class OutputFolder(string dir)
{
    public const string ResultsFile = "results.jsonl";
    public const string CsvFile = "results.csv";
    public const string ParquetFile = "results.parquet";
    public const string SummaryFile = "summary.json";
    public const string JsonFolder = "json";
    public const string ShardsFolder = "shards";
    public const string ReportFile = "report.html";
    public const string ThumbsFolder = "thumbs";
    private const string StateFolder = ".wanwu";
    private const string InflightPrefix = "inflight-";

    public string Dir { get; } = dir;

    /// <summary>results.jsonl, the journal every other format is derived from.</summary>
    public string Results => Path.Combine(Dir, ResultsFile);
    public string Csv => Path.Combine(Dir, CsvFile);
    public string Parquet => Path.Combine(Dir, ParquetFile);
    public string Summary => Path.Combine(Dir, SummaryFile);
    /// <summary>One JSON file per image, mirroring the input tree.</summary>
    public string Json => Path.Combine(Dir, JsonFolder);
    public string Shards => Path.Combine(Dir, ShardsFolder);
    /// <summary>The folder of one shard of a cluster run: an output folder of its own.</summary>
    public string Shard(string id) => Path.Combine(Shards, id);
    /// <summary>The shards of a cluster run written here, in order; none for a single-machine run.</summary>
    public IEnumerable<OutputFolder> ShardFolders() =>
        Directory.Exists(Shards) ? Directory.GetDirectories(Shards).Order(StringComparer.Ordinal).Select(d => new OutputFolder(d)) : [];
    public string Report => Path.Combine(Dir, ReportFile);
    public string Thumbs => Path.Combine(Dir, ThumbsFolder);

    /// <summary>wanwu's own bookkeeping: the lock, what each decoder works on, what a supervised run hands over.</summary>
    public string State => Path.Combine(Dir, StateFolder);
    /// <summary>The file a decoder names its current image in, for crash recovery.</summary>
    public string Inflight(int decoder) => Path.Combine(State, $"{InflightPrefix}{decoder}");
    /// <summary>Where an isolated run names the image whose decode hung before it exits.</summary>
    public string Hung => Path.Combine(State, "hung");
    /// <summary>Where the supervisor lists the only images a retry run may tag.</summary>
    public string Only => Path.Combine(State, "only");
    /// <summary>The images a <c>--retry-errors</c> job in progress has tagged again (see <c>RetryLog</c>).</summary>
    public string Retried => Path.Combine(State, "retried");

    /// <summary>The names of the models whose records the folder holds, one a line: part of its identity (<see cref="CheckModels"/>).</summary>
    public string Models => Path.Combine(State, "models");

    /// <summary>
    /// A record is done only when every model of the run has run on it, so a folder keeps the set of models it was
    /// started with: a run with another set is refused (with what to do instead) rather than resumed into records that
    /// lack a model or carry one it did not ask for. A folder written before wanwu kept the set takes this run's.
    /// </summary>
    public void CheckModels(IReadOnlyList<string> names)
    {
        try
        {
            if (File.Exists(Models))
            {
                var had = File.ReadAllLines(Models).Where(l => l.Length > 0).ToList();
                if (!had.Order(StringComparer.Ordinal).SequenceEqual(names.Order(StringComparer.Ordinal)))
                    throw new OutputException($"'{Dir}' holds the records of the model(s) {string.Join(", ", had)}; this run asks for {string.Join(", ", names)}. " +
                        "Tag into another output folder, or add --overwrite to start this one afresh.");
                return;
            }
            AtomicFile.Write(Models, System.Text.Encoding.UTF8.GetBytes(string.Join('\n', names) + "\n"));
        }
        catch (IOException e)
        {
            throw new OutputException($"Cannot read or write '{Models}': {e.Message}", e);
        }
    }

    /// <summary>Creates the folder and its state folder.</summary>
    public OutputFolder Create()
    {
        try
        {
            Directory.CreateDirectory(State);
            return this;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"Cannot prepare output folder '{Dir}': {e.Message}", e);
        }
    }

    /// <summary>Keeps two runs from writing here at once, waiting up to <paramref name="wait"/> for a run that is ending.</summary>
    public IDisposable Lock(TimeSpan wait)
    {
        Create();
        var path = Path.Combine(State, "lock");
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                // An exclusive handle the OS drops when the process dies.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
            catch (IOException e)
            {
                throw new OutputException($"Another wanwu run is writing to '{Dir}'; wait for it to finish or use another output folder.", e);
            }
        }
    }

    /// <summary>Removes a previous run's records and derived files, for <c>--overwrite</c>.</summary>
    public void Clear()
    {
        foreach (var file in new[] { Results, Csv, Parquet, Summary, Retried, Models }) File.Delete(file);
        if (Directory.Exists(Json)) Directory.Delete(Json, true);
    }

    /// <summary>Writes a whole file so that readers never see half of it.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> data) => AtomicFile.Write(path, data);

    /// <summary>Paths that were being decoded when the process that last ran here stopped.</summary>
    public IReadOnlyList<string> ReadInflight() =>
        Directory.Exists(State)
            ? Directory.GetFiles(State, InflightPrefix + "*").Select(File.ReadAllText).Where(p => p.Length > 0).Distinct().ToList()
            : [];

    /// <summary>Removes the in-flight files once no decoder runs.</summary>
    public void ClearInflight()
    {
        if (Directory.Exists(State))
            foreach (var f in Directory.GetFiles(State, InflightPrefix + "*")) File.Delete(f);
    }
}
