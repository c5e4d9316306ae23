namespace Wanwu;

/// <summary>Output file formats a run can write besides <c>summary.json</c>.</summary>
public enum OutputFormat { Jsonl, Json, Csv, Parquet }

/// <summary>Where and in which formats a run writes its records.</summary>
public sealed record OutputOptions
{
    /// <summary>Folder that receives results.jsonl, summary.json and the other outputs.</summary>
    public required string Dir { get; init; }

    /// <summary>Formats written besides summary.json (JSONL is always written).</summary>
    public IReadOnlySet<OutputFormat> Formats { get; init; } = new HashSet<OutputFormat> { OutputFormat.Jsonl };

    /// <summary>Also write one JSON file per image under <c>json/</c>.</summary>
    public bool PerImageJson { get; init; }

    /// <summary>Start afresh instead of resuming: previous results in the output folder are removed.</summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// Also tag again the images whose record is a transient error (read error, missing file, decoder crash or
    /// timeout, inference error); their new record replaces the old one. Without it an error record counts as done.
    /// </summary>
    public bool RetryErrors { get; init; }
}
