using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wanwu.Engine;

/// <summary>summary.json: what a run did, for people and for scripts.</summary>
public sealed record RunSummary
{
    /// <summary>
    /// Format of summary.json, written as <c>format</c>. History: 1 = the first format (files without it are format 1).
    /// Optional fields added since, still format 1: <c>duplicates</c> (2026-11-24).
    /// </summary>
    public const int CurrentFormat = 1;

    /// <summary>The format this summary was written in.</summary>
    public int Format { get; init; } = CurrentFormat;

    /// <summary>Records in results.jsonl, over every run into this folder.</summary>
    public required long Total { get; init; }
    public required long Ok { get; init; }
    public required long Failed { get; init; }
    /// <summary>Images tagged by this run (the rest were done by earlier, interrupted runs).</summary>
    public required long ThisRun { get; init; }
    /// <summary>Inputs skipped because an earlier run already tagged them, unchanged.</summary>
    public required long Skipped { get; init; }
    /// <summary>With <c>--retry-errors</c>: images with an error record that the run tagged again (a new error or labels).</summary>
    public long Retried { get; init; }
    /// <summary>Seconds this run took; <see cref="ImagesPerSecond"/> is this run's images over them.</summary>
    public required double Seconds { get; init; }
    public required double ImagesPerSecond { get; init; }
    public required string Model { get; init; }
    public required string ModelPath { get; init; }
    public required string Task { get; init; }
    public required string ExecutionProvider { get; init; }
    /// <summary>Whether the model's labels are Chinese: <c>zh</c>, <c>mixed</c> or <c>none</c> (see <c>--label-map</c>).</summary>
    public string LabelsLanguage { get; init; } = "zh";
    /// <summary>What the network ran in: <c>fp16</c>, <c>bf16</c>, or <c>as-is</c> (the model's own types: float32, int8…).</summary>
    public string Precision { get; init; } = "as-is";
    public required int BatchSize { get; init; }
    public required int DecodeThreads { get; init; }
    public required bool Completed { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required IReadOnlyList<string> Inputs { get; init; }
    public required string OutputDir { get; init; }
    /// <summary>Images per top label, most frequent first.</summary>
    public required IReadOnlyDictionary<string, long> TopLabels { get; init; }
    /// <summary>Failed images per error type.</summary>
    public required IReadOnlyDictionary<string, long> Errors { get; init; }
    /// <summary>Exact duplicates among the records (same bytes); null in a summary written before wanwu counted them.</summary>
    public DuplicateCounts? Duplicates { get; init; }
    /// <summary>
    /// Each model of the run, in the order given, with its share of the inference time (a one-model run lists its one
    /// model); null in a summary written before wanwu ran several models.
    /// </summary>
    public IReadOnlyList<ModelSummary>? Models { get; init; }
    /// <summary>For a cluster run: how many shards the listing was split into.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Shards { get; init; }
    /// <summary>For a cluster run: images each worker tagged in this run.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, long>? Workers { get; init; }
    public string Version { get; init; } = typeof(RunSummary).Assembly.GetName().Version?.ToString() ?? "0";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The summary of a run: totals over <paramref name="records"/> (earlier runs into the folder included), speed of this run alone.</summary>
    internal static RunSummary Of(IEnumerable<ImageResult> records, TagRun run, RunFacts facts)
    {
        var tally = ResultTally.Of(records);
        return new RunSummary
        {
            Total = tally.Total, Ok = tally.Total - tally.Failed, Failed = tally.Failed, ThisRun = facts.ThisRun, Skipped = facts.Skipped, Retried = facts.Retried,
            Seconds = Math.Round(facts.Seconds, 3), ImagesPerSecond = facts.Seconds > 0 ? Math.Round(facts.ThisRun / facts.Seconds, 2) : 0,
            Model = facts.Model, ModelPath = facts.ModelPath, Task = facts.Task, ExecutionProvider = facts.ExecutionProvider, LabelsLanguage = facts.LabelsLanguage, Precision = facts.Precision,
            BatchSize = facts.BatchSize, DecodeThreads = run.Decode.EffectiveThreads, Completed = facts.Completed,
            StartedAt = facts.Started, FinishedAt = DateTimeOffset.Now, Inputs = run.Inputs, OutputDir = Path.GetFullPath(run.Output.Dir),
            TopLabels = tally.TopLabels, Errors = tally.Errors, Duplicates = tally.Duplicates, Models = facts.Models,
        };
    }

    internal byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    internal static RunSummary Load(string path) => JsonSerializer.Deserialize<RunSummary>(File.ReadAllText(path), Json)!;
}

/// <summary>What a run itself knows for its summary, beside the records.</summary>
internal sealed record RunFacts(DateTimeOffset Started, double Seconds, long ThisRun, long Skipped, bool Completed,
    string Model, string ModelPath, string Task, string ExecutionProvider, int BatchSize, string LabelsLanguage = "zh", string Precision = "as-is", long Retried = 0)
{
    public IReadOnlyList<ModelSummary>? Models { get; init; }
}

/// <summary>One model of a run in summary.json.</summary>
public sealed record ModelSummary
{
    /// <summary>The model's name, as its labels, objects and texts carry it in the records.</summary>
    public required string Name { get; init; }
    /// <summary>The file or folder that was loaded.</summary>
    public required string Path { get; init; }
    /// <summary><c>classify</c>, <c>detect</c>, <c>zero-shot</c> or <c>ocr</c>.</summary>
    public required string Task { get; init; }
    public required string ExecutionProvider { get; init; }
    public required int BatchSize { get; init; }
    /// <summary>What the network ran in (see <see cref="RunSummary.Precision"/>).</summary>
    public string Precision { get; init; } = "as-is";
    /// <summary>Seconds this run spent in this model (inference and decoding its outputs, over all its sessions).</summary>
    public required double Seconds { get; init; }
    /// <summary>This model's share of the run's inference time, 0..1: where the time goes when several models run.</summary>
    public required double Share { get; init; }
}
