using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using NetVips;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Cli.Report;

/// <summary>
/// <c>wanwu report OUT_DIR</c>: an HTML gallery to review labels by eye, working offline from the output folder:
/// small thumbnails made once with libvips under <c>thumbs/</c>, and one page with the records embedded, filtered,
/// searched, sorted and paged in the browser.
/// </summary>
internal static class ReportWriter
{

    /// <summary>Writes report.html (and missing thumbnails) for the results in <paramref name="outputDir"/>; returns the page's path.</summary>
    public static string Write(string outputDir, int thumbSize = 192, int threads = 0, TextWriter? log = null)
    {
        var folder = new OutputFolder(outputDir);
        if (!File.Exists(folder.Results) && !folder.ShardFolders().Any())
            throw new InputNotFoundException($"'{outputDir}' holds no {OutputFolder.ResultsFile}: run wanwu tag into it first.");
        var summary = File.Exists(folder.Summary) ? RunSummary.Load(folder.Summary) : null;
        var roots = summary?.Inputs ?? [];
        var thumbs = folder.Thumbs;
        Directory.CreateDirectory(thumbs);

        var entries = new List<object?[]>();
        var made = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        // A cluster run's folder reads like a single run's: its merged journal, or its shards' until the run merges them.
        foreach (var chunk in ResultJournal.ReadRun(folder).Chunk(256))
        {
            var names = new string?[chunk.Length];
            Parallel.For(0, chunk.Length, options, i =>
            {
                names[i] = Thumbnail(chunk[i], roots, thumbs, thumbSize, ref made);
            });
            for (var i = 0; i < chunk.Length; i++) entries.Add(Entry(chunk[i], names[i]));
        }
        log?.WriteLine($"{entries.Count} records, {made} new thumbnails");

        var data = JsonSerializer.Serialize(new
        {
            model = summary?.Model,
            task = summary?.Task,
            models = summary?.Models?.Count ?? 1,
            generated = DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm"),
            records = entries,
        }, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        // "</" inside a script block would end it early.
        data = data.Replace("</", "<\\/", StringComparison.Ordinal);
        var html = Template().Replace("/*DATA*/null", data, StringComparison.Ordinal);
        var page = folder.Report;
        OutputFolder.WriteAtomic(page, Encoding.UTF8.GetBytes(html));
        return page;
    }

    /// <summary>
    /// [path, thumb, width, height, labels [[zh, en, score, model]], objects [[zh, score, x1, y1, x2, y2, model]],
    /// error [type, message], content hash, texts [[text, score, x1, y1, x2, y2]] (null when no OCR model ran)].
    /// </summary>
    private static object?[] Entry(ImageResult r, string? thumb) =>
    [
        r.Path, thumb, r.Width, r.Height,
        r.Labels.Select(l => new object?[] { l.Label, l.LabelEn, Math.Round(l.Score, 4), l.Model }).ToArray(),
        r.Objects?.Select(o => new object?[] { o.Label, Math.Round(o.Score, 3), o.Box[0], o.Box[1], o.Box[2], o.Box[3], o.Model }).ToArray(),
        r.Error is null ? null : new object?[] { r.Error.Type, r.Error.Message },
        r.Hash,
        r.Texts?.Select(t => new object?[] { t.Text, Math.Round(t.Score, 3), t.Box[0], t.Box[1], t.Box[2], t.Box[3] }).ToArray(),
    ];

    private static string? Thumbnail(ImageResult r, IReadOnlyList<string> roots, string thumbs, int size, ref int made)
    {
        if (r.Error is not null) return null;
        var name = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(r.Path)))[..20] + ".jpg";
        var target = Path.Combine(thumbs, name);
        if (File.Exists(target)) return $"{OutputFolder.ThumbsFolder}/{name}";
        var source = Locate(r.Path, roots);
        if (source is null) return null;
        try
        {
            using var thumb = Image.Thumbnail(source, size, height: size);
            using var flat = thumb.HasAlpha() ? thumb.Flatten(background: [255, 255, 255]) : thumb.Copy();
            using var rgb = flat.Interpretation == Enums.Interpretation.Srgb ? flat.Copy() : flat.Colourspace(Enums.Interpretation.Srgb);
            rgb.Jpegsave(target + ".tmp", q: 75, keep: Enums.ForeignKeep.None);
            File.Move(target + ".tmp", target, overwrite: true);
            Interlocked.Increment(ref made);
            return $"{OutputFolder.ThumbsFolder}/{name}";
        }
        catch (VipsException)
        {
            return null;
        }
    }

    /// <summary>The file a record describes: its path as given, or under one of the run's inputs (a folder, or a list file's folder).</summary>
    private static string? Locate(string path, IReadOnlyList<string> roots)
    {
        if (Path.IsPathRooted(path)) return File.Exists(path) ? path : null;
        foreach (var root in roots)
        {
            var baseDir = Directory.Exists(root) ? root : Path.GetDirectoryName(Path.GetFullPath(root))!;
            var candidate = Path.Combine(baseDir, path);
            if (File.Exists(candidate)) return candidate;
        }
        return File.Exists(path) ? Path.GetFullPath(path) : null;
    }

    private static string Template()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("report.template.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
