using System.Globalization;
using System.Text;

namespace Wanwu.Sinks;

/// <summary>results.csv: one row per image with the top labels flattened, for spreadsheets.</summary>
public sealed class CsvSink : IResultSink
{
    public const string FileName = "results.csv";
    private readonly FileStream _file;
    private bool _headerWritten;

    public CsvSink(string outputDir) => _file = SinkFiles.Create(Path.Combine(outputDir, FileName));

    public async ValueTask WriteAsync(IReadOnlyList<ImageResult> results, CancellationToken ct)
    {
        var sb = new StringBuilder();
        if (!_headerWritten)
        {
            // A BOM so that Excel opens Chinese text as UTF-8.
            sb.Append('\uFEFF').Append("path,top_label,top_label_en,top_score,labels,objects,error_type,error_message\n");
            _headerWritten = true;
        }
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
        await SinkFiles.WriteAsync(_file, Encoding.UTF8.GetBytes(sb.ToString()), ct);
    }

    private static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
