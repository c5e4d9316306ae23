using System.Globalization;
using System.Text;

namespace Wanwu.Sinks;

/// <summary>results.csv: one row per image with the top labels flattened, for spreadsheets.</summary>
internal sealed class CsvSink : IResultSink
{
    private readonly OutputFolder _folder;
    private readonly ResultJournal? _journal;
    private FileStream _file;

    /// <summary>Starts results.csv with the rows of the records already in the journal (a resumed run), then appends.</summary>
    public CsvSink(OutputFolder folder, ResultJournal? journal = null)
    {
        _folder = folder;
        _journal = journal;
        _file = Start(folder);
    }

    private static FileStream Start(OutputFolder folder)
    {
        var file = SinkFiles.Create(folder.Csv);
        // A BOM so that Excel opens Chinese text as UTF-8.
        var header = new StringBuilder().Append('\uFEFF').Append("path,top_label,top_label_en,top_score,labels,objects,error_type,error_message\n");
        try
        {
            SinkFiles.Write(file, Encoding.UTF8.GetBytes(header.ToString()));
            foreach (var chunk in ResultJournal.ReadAll(folder).Chunk(1024))
                SinkFiles.Write(file, Encoding.UTF8.GetBytes(Rows(chunk).ToString()));
            return file;
        }
        catch
        {
            // The buffered bytes cannot be written either; closing must not hide the first error.
            try { file.Dispose(); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>After the journal was compacted, results.csv is written again from it so both hold the same records.</summary>
    public async ValueTask FinishAsync()
    {
        await SinkFiles.CloseAsync(_file);
        if (_journal is { Superseded: true })
        {
            _file = Start(_folder);
            await SinkFiles.CloseAsync(_file);
        }
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
