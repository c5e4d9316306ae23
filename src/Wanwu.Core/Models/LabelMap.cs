namespace Wanwu.Models;

/// <summary>
/// A user's mapping from model classes to their own taxonomy, read from a TSV file: <c>from</c> (a class's Chinese or
/// English name), <c>to</c> (the name to report), optional <c>to_en</c>. Several classes mapped to one name merge:
/// a classifier's probabilities add up, a detector keeps the best score. Classes the file does not name keep their name.
/// </summary>
internal sealed class LabelMap
{
    private readonly Dictionary<string, ClassName> _map;

    private LabelMap(Dictionary<string, ClassName> map) => _map = map;

    public static LabelMap Load(string path)
    {
        if (!File.Exists(path)) throw new InputNotFoundException($"Label map '{path}' not found.");
        var map = new Dictionary<string, ClassName>(StringComparer.OrdinalIgnoreCase);
        var lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var cells = line.Split('\t').Select(c => c.Trim()).ToArray();
            if (cells.Length < 2 || cells[0].Length == 0 || cells[1].Length == 0)
                throw new ModelLoadException($"Label map '{path}' line {lineNo}: expected 'from<TAB>to[<TAB>to_en]'.");
            if (lineNo == 1 && cells[0].Equals("from", StringComparison.OrdinalIgnoreCase)) continue;
            map[cells[0]] = new ClassName(cells[1], cells.Length > 2 && cells[2].Length > 0 ? cells[2] : null);
        }
        return new LabelMap(map);
    }

    /// <summary>The reported name of <paramref name="name"/>: mapped by its Chinese or its English name, else itself.</summary>
    public ClassName Map(ClassName name) =>
        _map.TryGetValue(name.Zh, out var to) || (name.En is { } en && _map.TryGetValue(en, out to)) ? to : name;

    /// <summary>A label set whose names are the mapped ones, index for index.</summary>
    public LabelSet Apply(LabelSet labels) => new(Enumerable.Range(0, labels.Count).Select(i => Map(labels[i])));
}
