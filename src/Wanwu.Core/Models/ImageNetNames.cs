using System.Reflection;

namespace Wanwu.Models;

/// <summary>
/// Chinese names for ImageNet-1k, applied by index to a label file recognised as ImageNet by its content. By index,
/// not by English word: ImageNet's English names repeat (crane the bird and the machine, two maillots).
/// </summary>
internal static class ImageNetNames
{
    /// <summary>The embedded table (Models/Names/imagenet.tsv): id, en, zh.</summary>
    public const string Resource = "names.imagenet.tsv";

    public const int ClassCount = 1000;

    /// <summary>Share of positions whose name must match: tolerates a few spelling variants, not a shuffled or other list.</summary>
    private const double MinMatch = 0.95;

    /// <summary>What a 1001-class export calls the extra class it puts before the 1000.</summary>
    private static readonly HashSet<string> BackgroundNames = ["background", "unknown", "dummy", ""];

    private static readonly Lazy<IReadOnlyList<ClassName>> TableLazy = new(LoadTable);

    /// <summary>The 1000 classes in ImageNet order, Chinese and English.</summary>
    public static IReadOnlyList<ClassName> Table => TableLazy.Value;

    /// <summary>
    /// The names of a label file that is ImageNet-1k in English (the 1000 in order, or a background class and then the
    /// 1000): Chinese from the table by index, the file's own English beside it. Null for any other list.
    /// </summary>
    public static ClassName[]? TryRecognise(IReadOnlyList<string> names)
    {
        var offset = names.Count switch
        {
            ClassCount => 0,
            ClassCount + 1 when BackgroundNames.Contains(Normalise(names[0])) => 1,
            _ => -1,
        };
        if (offset < 0) return null;
        var table = Table;
        var matches = Enumerable.Range(0, ClassCount).Count(i => Normalise(FirstName(names[i + offset])) == Normalise(table[i].En!));
        if (matches < MinMatch * ClassCount) return null;
        var result = new List<ClassName>(names.Count);
        if (offset == 1) result.Add(new ClassName("背景", names[0].Trim()));
        result.AddRange(Enumerable.Range(0, ClassCount).Select(i => new ClassName(table[i].Zh, names[i + offset].Trim())));
        return result.ToArray();
    }

    /// <summary>"tench, Tinca tinca" lists a class's synonyms; the first is the name the short lists use.</summary>
    private static string FirstName(string name) => name.Split(',')[0];

    /// <summary>Case, spaces, underscores and punctuation differ between exports of the same list.</summary>
    private static string Normalise(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    private static IReadOnlyList<ClassName> LoadTable()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"embedded resource {Resource} is missing from the build");
        using var reader = new StreamReader(stream);
        var table = new List<ClassName>(ClassCount);
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith('#') || line.StartsWith("id\t", StringComparison.Ordinal) || line.Length == 0) continue;
            var cells = line.Split('\t');
            if (cells.Length < 3 || cells[0] != table.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))
                throw new InvalidOperationException($"{Resource}: expected 'id<TAB>en<TAB>zh' with id {table.Count}, got '{line}'");
            table.Add(new ClassName(cells[2], cells[1]));
        }
        if (table.Count != ClassCount) throw new InvalidOperationException($"{Resource} has {table.Count} classes, not {ClassCount}");
        return table;
    }
}
