using System.Text;

namespace Wanwu.Cli;

/// <summary>
/// A table as GitHub-flavoured Markdown, for output that goes to a file or another program: it is never cut to a
/// terminal's width, and it reads as a table both as text and rendered.
/// </summary>
internal static class MarkdownTable
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var cells = rows.Select(r => r.Select(Escape).ToArray()).ToList();
        var widths = headers.Select((h, i) => Math.Max(3, cells.Select(r => r[i].Length).Append(Escape(h).Length).Max())).ToArray();
        var text = new StringBuilder();
        void Row(IEnumerable<string> row) =>
            text.Append("| ").AppendJoin(" | ", row.Select((c, i) => c.PadRight(widths[i]))).Append(" |\n");
        Row(headers.Select(Escape));
        Row(widths.Select(w => new string('-', w)));
        foreach (var row in cells) Row(row);
        return text.ToString();
    }

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal);
}
