namespace Wanwu.Models.ZeroShot;

/// <summary>
/// The user's tags for an image-text model: one a line (<c>#</c> starts a comment), optionally <c>tag&lt;TAB&gt;english</c>;
/// blank lines and repeats are dropped. They become the run's classes.
/// </summary>
internal static class ZeroShotVocabulary
{
    public static IReadOnlyList<ClassName> Read(string path)
    {
        if (!File.Exists(path)) throw new InputNotFoundException($"Vocabulary file not found: '{path}'.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var tags = new List<ClassName>();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split('\t', 2, StringSplitOptions.TrimEntries);
            if (parts[0].Length > 0 && seen.Add(parts[0])) tags.Add(new ClassName(parts[0], parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null));
        }
        if (tags.Count == 0) throw new InputNotFoundException($"Vocabulary file '{path}' lists no tags.");
        return tags;
    }

    /// <summary>The model's description for this run: the vocabulary as its classes, the prompt template chosen.</summary>
    public static ModelSpec Apply(ModelSpec spec, ModelOptions options)
    {
        if (options.Vocabulary is null)
            throw new ModelLoadException($"'{spec.Name}' is an image-text model: give your tags with --vocabulary FILE (one a line).");
        var template = options.Prompt ?? spec.ZeroShot!.Template;
        if (!template.Contains("{}", StringComparison.Ordinal))
            throw new ModelLoadException($"prompt template '{template}' has no {{}} where the tag goes (e.g. 一张{{}}的照片).");
        var tags = Read(options.Vocabulary);
        return spec with
        {
            Labels = new LabelSet(tags),
            ZeroShot = spec.ZeroShot! with { Template = template, Tags = tags.Select(t => t.Zh).ToList() },
        };
    }
}
