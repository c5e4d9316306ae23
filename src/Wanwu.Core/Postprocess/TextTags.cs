namespace Wanwu.Postprocess;

/// <summary>
/// Keyword rules that turn the text read in an image into labels (<c>--text-tags FILE</c>): a TSV file in the form of
/// <c>--label-map</c>, one rule a line, <c>keyword&lt;TAB&gt;label[&lt;TAB&gt;label_en]</c> ("龙井 → 绿茶"). An image
/// with a line containing the keyword (Latin letters in any case) gets the label, scored as the best such line was
/// read; rules giving the same label keep the best score. A label's id is its first rule's line number.
/// </summary>
internal sealed class TextTags
{
    private readonly IReadOnlyList<(string Keyword, int Id, string Label, string? LabelEn)> _rules;

    private TextTags(IReadOnlyList<(string, int, string, string?)> rules) => _rules = rules;

    public int Count => _rules.Count;

    public static TextTags Load(string path)
    {
        var rules = new List<(string, int, string, string?)>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, keyword, label) in Models.NameTable.Read(path, "Text tags file", "Text tags", "keyword", "label"))
        {
            var id = firstLine.TryAdd(label.Zh, line) ? line : firstLine[label.Zh];
            rules.Add((keyword, id, label.Zh, label.En));
        }
        return new TextTags(rules);
    }

    /// <summary>The labels <paramref name="texts"/> earn, best first, each naming <paramref name="model"/>.</summary>
    public IReadOnlyList<LabelScore> Labels(IReadOnlyList<TextLine> texts, string model)
    {
        if (texts.Count == 0 || _rules.Count == 0) return [];
        var best = new Dictionary<string, LabelScore>(StringComparer.Ordinal);
        foreach (var (keyword, id, label, en) in _rules)
            foreach (var line in texts)
                if (line.Text.Contains(keyword, StringComparison.OrdinalIgnoreCase) && (!best.TryGetValue(label, out var had) || had.Score < line.Score))
                    best[label] = new LabelScore(id, label, en, line.Score) { Model = model };
        return [.. best.Values.OrderByDescending(l => l.Score)];
    }
}
