namespace Wanwu.Sinks;

/// <summary>The one place output formats are mapped to sinks.</summary>
internal static class SinkFactory
{
    /// <summary>Opens the sinks of a run, the journal first (the others derive from it when they finish).</summary>
    public static List<IResultSink> Create(OutputOptions options, OutputFolder folder, ResultJournal journal)
    {
        var sinks = new List<IResultSink> { new JsonlSink(folder, journal) };
        try
        {
            if (options.Formats.Contains(OutputFormat.Csv)) sinks.Add(new CsvSink(folder, journal));
            if (options.PerImageJson || options.Formats.Contains(OutputFormat.Json)) sinks.Add(new PerImageJsonSink(folder));
            if (options.Formats.Contains(OutputFormat.Parquet)) sinks.Add(new ParquetSink(folder));
            return sinks;
        }
        catch
        {
            foreach (var sink in sinks) sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
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
