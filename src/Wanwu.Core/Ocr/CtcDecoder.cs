namespace Wanwu.Ocr;

/// <summary>
/// Greedy CTC decoding as PaddleOCR's <c>CTCLabelDecode</c>: the likeliest class at each step, repeats merged, blanks
/// (class 0) dropped; class i is the dictionary's character i − 1 and the class after the dictionary a space
/// (<c>use_space_char</c>). A line's score is the mean probability of the characters it keeps.
/// </summary>
internal sealed class CtcDecoder
{
    private readonly string[] _characters;

    public CtcDecoder(IReadOnlyList<string> dictionary) => _characters = [.. dictionary, " "];

    /// <summary>Classes the recogniser must output: blank, the dictionary, space.</summary>
    public int Classes => _characters.Length + 1;

    /// <summary>Reads a dictionary file: one character a line, UTF-8 (only line breaks are removed: a line may be a space).</summary>
    public static CtcDecoder Load(string path)
    {
        var text = File.ReadAllText(path, System.Text.Encoding.UTF8);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) throw new ModelLoadException($"the OCR dictionary '{path}' is empty");
        return new CtcDecoder(lines);
    }

    /// <summary>Decodes one line from <paramref name="probabilities"/>: <paramref name="steps"/> rows of <see cref="Classes"/> values.</summary>
    public (string Text, float Score) Decode(ReadOnlySpan<float> probabilities, int steps)
    {
        var classes = Classes;
        if (probabilities.Length < steps * classes) throw new ArgumentException("fewer probabilities than steps × classes", nameof(probabilities));
        var text = new System.Text.StringBuilder();
        double sum = 0;
        var kept = 0;
        var last = -1;
        for (var t = 0; t < steps; t++)
        {
            var row = probabilities.Slice(t * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
                if (row[c] > row[best]) best = c;
            if (best != 0 && best != last)
            {
                text.Append(_characters[best - 1]);
                sum += row[best];
                kept++;
            }
            last = best;
        }
        return (text.ToString(), kept == 0 ? 0 : (float)(sum / kept));
    }
}
