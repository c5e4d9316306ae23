using System.Globalization;
using CsvHelper;

namespace Wanwu.Sinks;

/// <summary>results.csv: one row per image with the top labels flattened, for spreadsheets.</summary>
internal sealed class CsvSink : IResultSink
{
    /// <summary>The columns, in order (the README's Output section); new ones go at the end, for scripts that count.</summary>
    private static readonly string[] Columns = ["path", "top_label", "top_label_en", "top_score", "labels", "objects", "error_type", "error_message", "hash", "texts"];

    /// <summary>Between the lines of text in the <c>texts</c> column.</summary>
    public const string TextSeparator = " | ";

    // RFC 4180 quoting (only fields with a comma, a quote or a line break); a BOM so that Excel opens Chinese text as
    // UTF-8; "\n" line ends, as results.jsonl has.
    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { WriteByteOrderMark = true, NewLine = "\n" };

    private readonly OutputFolder _folder;
    private readonly ResultJournal? _journal;
    private FileStream _file;
    private RowFormatter _rows;

    /// <summary>Starts results.csv with the rows of the records already in the journal (a resumed run), then appends.</summary>
    public CsvSink(OutputFolder folder, ResultJournal? journal = null)
    {
        _folder = folder;
        _journal = journal;
        (_file, _rows) = Start(folder);
    }

    private static (FileStream, RowFormatter) Start(OutputFolder folder)
    {
        var file = SinkFiles.Create(folder.Csv);
        var rows = new RowFormatter();
        try
        {
            SinkFiles.Write(file, rows.Format([]));
            foreach (var chunk in ResultJournal.ReadAll(folder).Chunk(1024))
                SinkFiles.Write(file, rows.Format(chunk));
            return (file, rows);
        }
        catch
        {
            rows.Dispose();
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
            _rows.Dispose();
            (_file, _rows) = Start(_folder);
            await SinkFiles.CloseAsync(_file);
        }
    }

    public ValueTask WriteAsync(IReadOnlyList<ImageResult> results, CancellationToken ct) =>
        SinkFiles.WriteAsync(_file, _rows.Format(results), ct);

    public ValueTask DisposeAsync()
    {
        _rows.Dispose();
        return SinkFiles.CloseAsync(_file);
    }

    /// <summary>Turns records into the bytes of their rows, the BOM and the header first; one per file.</summary>
    private sealed class RowFormatter : IDisposable
    {
        private readonly MemoryStream _buffer = new();
        private readonly CsvWriter _csv;

        public RowFormatter()
        {
            _csv = CsvWriter.Create(_buffer, Options, leaveOpen: true);
            _csv.WriteHeader(Columns);
        }

        public byte[] Format(IEnumerable<ImageResult> results)
        {
            foreach (var r in results)
            {
                var top = r.Labels.Count > 0 ? r.Labels[0] : null;
                _csv.WriteField(r.Path);
                _csv.WriteField(top?.Label);
                _csv.WriteField(top?.LabelEn);
                _csv.WriteField(top?.Score.ToString("0.#####", CultureInfo.InvariantCulture));
                _csv.WriteField(string.Join(";", r.Labels.Select(l => $"{l.Label}:{l.Score.ToString("0.###", CultureInfo.InvariantCulture)}")));
                _csv.WriteField(r.Objects?.Count.ToString(CultureInfo.InvariantCulture));
                _csv.WriteField(r.Error?.Type);
                _csv.WriteField(r.Error?.Message);
                _csv.WriteField(r.Hash);
                // The lines read in the image (OCR), in reading order.
                _csv.WriteField(r.Texts is { } texts ? string.Join(TextSeparator, texts.Select(t => t.Text)) : null);
                _csv.EndRecord();
            }
            _csv.Flush();
            var bytes = _buffer.ToArray();
            _buffer.SetLength(0);
            return bytes;
        }

        public void Dispose()
        {
            _csv.Dispose();
            _buffer.Dispose();
        }
    }
}
