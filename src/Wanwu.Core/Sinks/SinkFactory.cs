namespace Wanwu.Sinks;

/// <summary>The one place output formats are mapped to sinks.</summary>
public static class SinkFactory
{
    /// <summary>Opens the sinks of a run; derived files (CSV) restart from the records already in the journal.</summary>
    public static List<IResultSink> Create(TagOptions options)
    {
        var sinks = new List<IResultSink> { new JsonlSink(options.OutputDir) };
        if (options.Formats.Contains(OutputFormat.Csv)) sinks.Add(new CsvSink(options.OutputDir, ResultJournal.ReadAll(options.OutputDir)));
        if (options.PerImageJson || options.Formats.Contains(OutputFormat.Json)) sinks.Add(new PerImageJsonSink(options.OutputDir));
        return sinks;
    }

    /// <summary>Parses <c>--format jsonl,json,csv,parquet</c> (json: one file per image).</summary>
    public static HashSet<OutputFormat> ParseFormats(IEnumerable<string> values)
    {
        var formats = new HashSet<OutputFormat> { OutputFormat.Jsonl };
        foreach (var value in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            formats.Add(value.ToLowerInvariant() switch
            {
                "jsonl" => OutputFormat.Jsonl,
                "csv" => OutputFormat.Csv,
                "parquet" => OutputFormat.Parquet,
                "json" => OutputFormat.Json,
                _ => throw new ArgumentException($"unknown format '{value}' (jsonl, json, csv, parquet)"),
            });
        }
        return formats;
    }
}
