using System.Text;
using System.Text.Json;
using Wanwu.Engine;
using Wanwu.Sources;

namespace Wanwu.Cluster;

/// <summary>
/// How a cluster run's input listing is cut into shards, kept under <c>OUT/shards/</c> so that a rerun finds the
/// same shards: each shard is a folder with its own <c>inputs.txt</c> (name TAB path, the names a single-machine run
/// would report) and, once tagged, its own results.jsonl, Parquet file and summary.json.
/// </summary>
internal sealed class ShardPlan
{
    public const string InputsFile = "inputs.txt";

    private ShardPlan(string outputDir, IReadOnlyList<Shard> shards)
    {
        OutputDir = outputDir;
        Shards = shards;
    }

    public string OutputDir { get; }
    public IReadOnlyList<Shard> Shards { get; }

    /// <summary>One shard: its id (its folder's name), folder and number of images.</summary>
    public sealed record Shard(string Id, string Dir, int Count)
    {
        public string InputsPath => Path.Combine(Dir, InputsFile);

        /// <summary>Tagged to the end by some worker: its summary.json says so.</summary>
        public bool IsCommitted => Summary() is { Completed: true };

        /// <summary>Its summary.json counts records that <c>--retry-errors</c> tags again.</summary>
        public bool HasRetryableErrors => Summary() is { } s && s.Errors.Any(e => e.Value > 0 && ImageErrorTypes.IsRetryable(e.Key));

        private RunSummary? Summary()
        {
            var summary = new Sinks.OutputFolder(Dir).Summary;
            try { return File.Exists(summary) ? RunSummary.Load(summary) : null; }
            catch (Exception e) when (e is IOException or JsonException) { return null; }
        }
    }

    /// <summary>
    /// The plan for <paramref name="inputs"/>: shards written by an earlier run are kept as they are, and images they
    /// do not list go into new shards, so no image ever moves from one shard to another. At most
    /// <paramref name="shardSize"/> images a shard; a shard also ends at a folder boundary once half full.
    /// </summary>
    public static ShardPlan Prepare(IReadOnlyList<string> inputs, string outputDir, int shardSize)
    {
        if (shardSize < 1) throw new ArgumentOutOfRangeException(nameof(shardSize), "a shard holds at least one image");
        var root = new Sinks.OutputFolder(Path.GetFullPath(outputDir)).Shards;
        Directory.CreateDirectory(root);
        var shards = Directory.GetDirectories(root).Order(StringComparer.Ordinal)
            .Where(d => File.Exists(Path.Combine(d, InputsFile)))
            .Select(d => new Shard(Path.GetFileName(d), d, CountLines(Path.Combine(d, InputsFile))))
            .ToList();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shard in shards)
            foreach (var line in File.ReadLines(shard.InputsPath)) known.Add(line[..line.IndexOf('\t')]);

        var current = new List<InputItem>();
        string? currentFolder = null;
        void Flush()
        {
            if (current.Count == 0) return;
            var id = shards.Count.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
            var dir = new Sinks.OutputFolder(Path.GetFullPath(outputDir)).Shard(id);
            Directory.CreateDirectory(dir);
            var text = new StringBuilder();
            foreach (var item in current) text.Append(item.Path).Append('\t').Append(item.FullPath).Append('\n');
            // Written whole or not at all: a half-written shard list would lose images on the rerun.
            Sinks.OutputFolder.WriteAtomic(Path.Combine(dir, InputsFile), Encoding.UTF8.GetBytes(text.ToString()));
            shards.Add(new Shard(id, dir, current.Count));
            current.Clear();
        }
        foreach (var item in ImageSources.Enumerate(inputs))
        {
            if (item.Path.Contains('\t') || item.Path.Contains('\n') || !known.Add(item.Path)) continue;
            var folder = Path.GetDirectoryName(item.Path);
            if (current.Count >= shardSize || (current.Count >= (shardSize + 1) / 2 && folder != currentFolder)) Flush();
            currentFolder = folder;
            current.Add(item);
        }
        Flush();
        return new ShardPlan(Path.GetFullPath(outputDir), shards);
    }

    /// <summary>Removes every shard of an earlier run (<c>--overwrite</c>).</summary>
    public static void Clear(string outputDir)
    {
        var root = new Sinks.OutputFolder(outputDir).Shards;
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static int CountLines(string path) => File.ReadLines(path).Count(l => l.Length > 0);
}
