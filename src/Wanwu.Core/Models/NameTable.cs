namespace Wanwu.Models;

/// <summary>
/// A user's TSV that gives things names, one row a line: <c>key&lt;TAB&gt;name[&lt;TAB&gt;name_en]</c>; blank lines and
/// <c>#</c> comments are skipped, and a first line whose key is the key column's title is a header. Read by
/// <c>--label-map</c> (<see cref="LabelMap"/>) and <c>--text-tags</c> (<see cref="Postprocess.TextTags"/>).
/// </summary>
internal static class NameTable
{
    /// <summary>The rows of <paramref name="path"/>, each with its line number.</summary>
    /// <param name="path">The file.</param>
    /// <param name="fileName">What the file is called when it is missing ("Label map").</param>
    /// <param name="lineName">What it is called when a line is wrong.</param>
    /// <param name="keyColumn">The key column's title ("from").</param>
    /// <param name="nameColumn">The name column's title ("to"; the English one is it with "_en").</param>
    public static IReadOnlyList<(int Line, string Key, ClassName Name)> Read(string path, string fileName, string lineName, string keyColumn, string nameColumn)
    {
        if (!File.Exists(path)) throw new InputNotFoundException($"{fileName} '{path}' not found.");
        var rows = new List<(int, string, ClassName)>();
        var lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var cells = line.Split('\t').Select(c => c.Trim()).ToArray();
            if (cells.Length < 2 || cells[0].Length == 0 || cells[1].Length == 0)
                throw new ModelLoadException($"{lineName} '{path}' line {lineNo}: expected '{keyColumn}<TAB>{nameColumn}[<TAB>{nameColumn}_en]'.");
            if (lineNo == 1 && cells[0].Equals(keyColumn, StringComparison.OrdinalIgnoreCase)) continue;
            rows.Add((lineNo, cells[0], new ClassName(cells[1], cells.Length > 2 && cells[2].Length > 0 ? cells[2] : null)));
        }
        return rows;
    }
}
