using System.Reflection;

namespace Wanwu.Models;

/// <summary>One class: its Chinese name (or the only name known) and its English name where there is one.</summary>
internal sealed record ClassName(string Zh, string? En);

/// <summary>The class names of a model, indexed by output column.</summary>
internal sealed class LabelSet
{
    private readonly ClassName[] _names;

    public LabelSet(IEnumerable<ClassName> names) => _names = names.ToArray();

    public int Count => _names.Length;

    /// <summary>Distinct reported names: fewer than <see cref="Count"/> where a label map merged classes.</summary>
    public int Distinct => _names.Select(n => n.Zh).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Classes whose reported name has no Chinese in it.</summary>
    public int NotChinese => _names.Count(n => !ContainsCjk(n.Zh));

    /// <summary>For summary.json: <c>zh</c> when every class has a Chinese name, <c>none</c> when no class does, else <c>mixed</c>.</summary>
    public string Language => Count == 0 ? "none" : NotChinese == 0 ? "zh" : NotChinese == Count ? "none" : "mixed";

    /// <summary>The name of class <paramref name="id"/>; a class the file does not cover is named by its index.</summary>
    public ClassName this[int id] => id >= 0 && id < _names.Length ? _names[id] : new ClassName($"类别{id}", $"class {id}");

    /// <summary>Reads a label file: one name a line (.txt), or columns (.tsv/.csv) picked by the card or by their script.</summary>
    public static LabelSet Load(string path, LabelsCard card)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        char? sep = ext switch { ".tsv" => '\t', ".csv" => ',', _ => null };
        var lines = File.ReadAllLines(path).Where(l => !l.StartsWith('#')).ToList();
        while (lines.Count > 0 && lines[^1].Trim().Length == 0) lines.RemoveAt(lines.Count - 1);
        if (sep is null) return new LabelSet(ImageNetNames.TryRecognise(lines) ?? lines.Select(l => FromSingle(l.Trim())));

        var rows = lines.Select(l => l.Split(sep.Value).Select(c => c.Trim()).ToArray()).ToList();
        if (rows.Count > 0 && (card.Header ?? LooksLikeHeader(rows[0]))) rows.RemoveAt(0);
        var zhCol = card.ZhColumn ?? FindColumn(rows, ContainsCjk);
        var enCol = card.EnColumn ?? FindColumn(rows, c => c.Length > 0 && !ContainsCjk(c) && !int.TryParse(c, out _));
        if (zhCol is null && enCol is int only && ImageNetNames.TryRecognise(rows.Select(r => only < r.Length ? r[only] : "").ToList()) is { } imageNet)
            return new LabelSet(imageNet);
        return new LabelSet(rows.Select(r =>
        {
            var en = enCol is int e && e < r.Length && r[e].Length > 0 ? r[e] : null;
            var zh = zhCol is int z && z < r.Length && r[z].Length > 0 ? r[z] : null;
            return zh is null ? FromSingle(en ?? string.Join(' ', r)) : new ClassName(zh, en);
        }));
    }

    /// <summary>A lone name: Chinese as it is; English gets a Chinese name from wanwu's dictionaries where one is known.</summary>
    public static ClassName FromSingle(string name) =>
        ContainsCjk(name) ? new ClassName(name, null) : new ClassName(ChineseNames.Lookup(name) ?? name, name);

    public static bool ContainsCjk(string s) => s.Any(c => c is >= '\u4e00' and <= '\u9fff' or >= '\u3400' and <= '\u4dbf');

    private static bool LooksLikeHeader(string[] row) =>
        row.Any(c => c.ToLowerInvariant() is "en" or "zh" or "id" or "index" or "label" or "name" or "english" or "chinese" or "label_en" or "label_zh");

    private static int? FindColumn(List<string[]> rows, Func<string, bool> test)
    {
        if (rows.Count == 0) return null;
        var width = rows.Max(r => r.Length);
        for (var c = 0; c < width; c++)
            if (rows.Count(r => c < r.Length && test(r[c])) * 2 > rows.Count) return c;
        return null;
    }
}

/// <summary>English → Chinese class names that ship with wanwu, for label files that only have English.</summary>
internal static class ChineseNames
{
    private static readonly Lazy<Dictionary<string, string>> Table = new(LoadAll);

    public static string? Lookup(string english) => Table.Value.GetValueOrDefault(english.Trim());

    private static Dictionary<string, string> LoadAll()
    {
        var table = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var asm = Assembly.GetExecutingAssembly();
        foreach (var resource in asm.GetManifestResourceNames().Where(n => n.EndsWith(".tsv", StringComparison.Ordinal) && n != ImageNetNames.Resource))
        {
            using var reader = new StreamReader(asm.GetManifestResourceStream(resource)!);
            while (reader.ReadLine() is { } line)
            {
                if (line.StartsWith('#')) continue;
                var cells = line.Split('\t');
                if (cells.Length >= 2 && cells[0] != "en") table.TryAdd(cells[0].Trim(), cells[1].Trim());
            }
        }
        return table;
    }
}
