using System.Globalization;
using System.Text;

namespace Wanwu.Sinks;

/// <summary>results.csv: one row per image with the top labels flattened, for spreadsheets.</summary>
public sealed class CsvSink : IResultSink
{
    public const string FileName = "results.csv";
    private readonly FileStream _file;

    /// <summary>Starts results.csv with the rows of <paramref name="existing"/> records (a resumed run), then appends.</summary>
    public CsvSink(string outputDir, IEnumerable<ImageResult> existing)
    {
        _file = SinkFiles.Create(Path.Combine(outputDir, FileName));
        // A BOM so that Excel opens Chinese text as UTF-8.
        var header = new StringBuilder().Append('\uFEFF').Append("path,top_label,top_label_en,top_score,labels,objects,error_type,error_message\n");
        try
        {
            SinkFiles.Write(_file, Encoding.UTF8.GetBytes(header.ToString()));
            foreach (var chunk in existing.Chunk(1024))
                SinkFiles.Write(_file, Encoding.UTF8.GetBytes(Rows(chunk).ToString()));
        }
        catch
        {
            // The buffered bytes cannot be written either; closing must not hide the first error.
            try { _file.Dispose(); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Rewrites results.csv from the journal, after it was compacted.</summary>
    public static void Rebuild(string outputDir)
    {
        SinkFiles.CloseAsync(new CsvSink(outputDir, ResultJournal.ReadAll(outputDir))._file).AsTask().GetAwaiter().GetResult();
    }

    public ValueTask WriteAsync(IReadOnlyList<ImageResult> results, CancellationToken ct) =>
        SinkFiles.WriteAsync(_file, Encoding.UTF8.GetBytes(Rows(results).ToString()), ct);

    private static StringBuilder Rows(IEnumerable<ImageResult> results)
    {
        var sb = new StringBuilder();
        foreach (var r in results)
        {
            var top = r.Labels.Count > 0 ? r.Labels[0] : null;
            sb.Append(Field(r.Path)).Append(',')
              .Append(Field(top?.Label)).Append(',')
              .Append(Field(top?.LabelEn)).Append(',')
              .Append(top is null ? "" : top.Score.ToString("0.#####", CultureInfo.InvariantCulture)).Append(',')
              .Append(Field(string.Join(";", r.Labels.Select(l => $"{l.Label}:{l.Score.ToString("0.###", CultureInfo.InvariantCulture)}")))).Append(',')
              .Append(r.Objects?.Count.ToString(CultureInfo.InvariantCulture) ?? "").Append(',')
              .Append(Field(r.Error?.Type)).Append(',')
              .Append(Field(r.Error?.Message)).Append('\n');
        }
        return sb;
    }

    private static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    public ValueTask DisposeAsync() => SinkFiles.CloseAsync(_file);
}
