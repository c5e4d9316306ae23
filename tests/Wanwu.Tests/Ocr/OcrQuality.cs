using Wanwu.Ocr;

namespace Wanwu.Tests;

/// <summary>
/// How well OCR read drawn lines: each read line belongs to the drawn line whose box (grown by a third of its font
/// size) holds its centre; a drawn line is found when some read line belongs to it, and its text is what those lines
/// say, left to right along it. Characters are compared without white space (the recogniser often leaves out the space
/// between Chinese and Latin text); a missed line counts all its characters wrong.
/// </summary>
internal sealed record OcrQuality(int Lines, int Found, int Characters, int Errors, int SpacedCharacters, int SpacedErrors, int Stray, IReadOnlyList<string> Misreads)
{
    public double FoundRate => Lines == 0 ? 1 : (double)Found / Lines;
    public double CharacterAccuracy => Characters == 0 ? 1 : 1 - (double)Errors / Characters;
    /// <summary>The same with single spaces kept (runs of white space count as one).</summary>
    public double SpacedCharacterAccuracy => SpacedCharacters == 0 ? 1 : 1 - (double)SpacedErrors / SpacedCharacters;

    public override string ToString() =>
        $"{Found}/{Lines} lines found ({FoundRate:P1}), character accuracy {CharacterAccuracy:P2} ({SpacedCharacterAccuracy:P2} with spaces), {Stray} read lines outside the drawn ones";

    /// <summary>Lines found and character accuracy only (for a subset of the drawn lines, where stray lines mean nothing).</summary>
    public string Short => $"{Found}/{Lines} lines found ({FoundRate:P1}), character accuracy {CharacterAccuracy:P2}";

    public static OcrQuality Measure(IEnumerable<(DrawnPhoto Photo, IReadOnlyList<TextLine> Read)> results)
    {
        int lines = 0, found = 0, characters = 0, errors = 0, spacedCharacters = 0, spacedErrors = 0, stray = 0;
        var misreads = new List<string>();
        foreach (var (photo, read) in results)
        {
            var owner = read.Select(r =>
            {
                var (x, y) = RenderedText.Centre(r);
                var match = photo.Lines.Select((l, i) => (l, i)).Where(t => RenderedText.Inside(t.l.Polygon, x, y, t.l.Size / 3)).Select(t => t.i).ToList();
                return match.Count > 0 ? match[0] : -1;
            }).ToList();
            stray += owner.Count(o => o < 0);
            for (var i = 0; i < photo.Lines.Count; i++)
            {
                var drawn = photo.Lines[i];
                var axis = (X: drawn.Polygon[1][0] - drawn.Polygon[0][0], Y: drawn.Polygon[1][1] - drawn.Polygon[0][1]);
                var mine = read.Where((_, k) => owner[k] == i).OrderBy(r => RenderedText.Centre(r).X * axis.X + RenderedText.Centre(r).Y * axis.Y).ToList();
                var text = string.Join(" ", mine.Select(r => r.Text));
                lines++;
                if (mine.Count > 0) found++;
                var (want, got) = (Squeeze(drawn.Text, ""), Squeeze(text, ""));
                var e = RenderedText.EditDistance(want, got);
                characters += want.Length;
                errors += e;
                var (wantSpaced, gotSpaced) = (Squeeze(drawn.Text, " "), Squeeze(text, " "));
                spacedCharacters += wantSpaced.Length;
                spacedErrors += RenderedText.EditDistance(wantSpaced, gotSpaced);
                if (e > 0) misreads.Add($"{photo.Source}: '{drawn.Text}' ({drawn.Font}, {drawn.Size} px, {drawn.Angle:F1}°) read '{text}'");
            }
        }
        return new OcrQuality(lines, found, characters, errors, spacedCharacters, spacedErrors, stray, misreads);
    }

    private static string Squeeze(string text, string space) =>
        string.Join(space, text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
