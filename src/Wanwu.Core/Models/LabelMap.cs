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
        var map = new Dictionary<string, ClassName>(StringComparer.OrdinalIgnoreCase);
        foreach (var (_, from, to) in NameTable.Read(path, "Label map", "Label map", "from", "to")) map[from] = to;
        return new LabelMap(map);
    }

    /// <summary>The reported name of <paramref name="name"/>: mapped by its Chinese or its English name, else itself.</summary>
    public ClassName Map(ClassName name) =>
        _map.TryGetValue(name.Zh, out var to) || (name.En is { } en && _map.TryGetValue(en, out to)) ? to : name;

    /// <summary>A label set whose names are the mapped ones, index for index.</summary>
    public LabelSet Apply(LabelSet labels) => new(Enumerable.Range(0, labels.Count).Select(i => Map(labels[i])));
}
