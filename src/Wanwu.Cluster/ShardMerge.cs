using System.Buffers;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Cluster;

/// <summary>
/// Makes a cluster run's output folder read like a single machine's: when the run ends, the shards' records become
/// one <c>results.jsonl</c> (always, as a single run always writes one) and the formats asked for that derive from it
/// (<c>results.csv</c>, <c>results.parquet</c>), each written whole through a temporary file. The shards keep theirs:
/// they stay the run's journal, and the merged files are made again at the end of every run.
/// </summary>
internal static class ShardMerge
{
    /// <summary>
    /// Readies <paramref name="folder"/> for a cluster run: merged files of an earlier cluster run are out of date as
    /// soon as a shard changes and go (until the end of this run, readers such as <c>wanwu report</c> read the
    /// shards); the journal of a single-machine run is never replaced without <c>--overwrite</c>.
    /// </summary>
    public static void Prepare(OutputFolder folder, bool overwrite)
    {
        if (overwrite)
        {
            ShardPlan.Clear(folder.Dir);
            if (Directory.Exists(folder.Dir)) folder.Clear();
            return;
        }
        if (!File.Exists(folder.Results)) return;
        if (!IsMerged(folder))
            throw new OutputException($"'{folder.Dir}' holds the {OutputFolder.ResultsFile} of a single-machine run, which a cluster run would replace with its own: tag into another folder, or start afresh with --overwrite.");
        foreach (var file in new[] { folder.Results, folder.Csv, folder.Parquet }) File.Delete(file);
    }

    /// <summary>Writes the merged results.jsonl and the derived formats of <paramref name="output"/> from <paramref name="shards"/>.</summary>
    public static async Task WriteAsync(OutputFolder folder, IEnumerable<OutputFolder> shards, OutputOptions output, CancellationToken ct = default)
    {
        IO.AtomicFile.Write(folder.Results, stream =>
        {
            var buffer = new ArrayBufferWriter<byte>();
            foreach (var chunk in shards.SelectMany(ResultJournal.ReadAll).Chunk(1024))
            {
                buffer.ResetWrittenCount();
                JsonlSink.WriteLines(buffer, chunk);
                stream.Write(buffer.WrittenSpan);
            }
        });
        if (output.Formats.Contains(OutputFormat.Csv))
        {
            // CsvSink starts results.csv from the journal: the merged one.
            await using var csv = new CsvSink(folder);
            await csv.FinishAsync();
        }
        if (output.Formats.Contains(OutputFormat.Parquet)) await ParquetSink.WriteAsync(folder, ct);
    }

    /// <summary>Whether the results.jsonl here was merged by a cluster run: its summary.json, written first, says so.</summary>
    private static bool IsMerged(OutputFolder folder)
    {
        try
        {
            return File.Exists(folder.Summary) && RunSummary.Load(folder.Summary).Shards is not null;
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
