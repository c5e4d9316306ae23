using System.Numerics.Tensors;
using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;

namespace Wanwu.Postprocess;

/// <summary>Class scores → top-k labels, applying softmax or sigmoid where the model outputs raw logits.</summary>
internal sealed class ClassifierHead(ClassifierOutput head, LabelSet labels, int topK) : IPostprocessor
{

    /// <summary>Classes that share a name after a label map, which then share one probability (their sum).</summary>
    private readonly int[][]? _merged = labels.Count > 0 && Enumerable.Range(0, labels.Count).Select(i => labels[i].Zh).Distinct().Count() < labels.Count
        ? Enumerable.Range(0, labels.Count).GroupBy(i => labels[i].Zh).Select(g => g.ToArray()).ToArray()
        : null;

    private List<LabelScore> Merge(float[] scores)
    {
        var groups = _merged!;
        var sums = groups.Select(g => g.Where(i => i < scores.Length).Sum(i => scores[i])).ToArray();
        return TopK(sums, topK).Select(k =>
        {
            var best = groups[k].Where(i => i < scores.Length).MaxBy(i => scores[i]);
            return new LabelScore(best, labels[best].Zh, labels[best].En, sums[k]);
        }).ToList();
    }

    public ImageResult Process(DecodedImage image, IReadOnlyList<OutputTensor> outputs, int index)
    {
        var scores = outputs[head.Scores].Row(index).ToArray();
        var kind = head.Scoring == ScoreKind.Auto ? (LooksLikeProbabilities(scores) ? ScoreKind.Probabilities : ScoreKind.Logits) : head.Scoring;
        if (kind == ScoreKind.Logits) Softmax(scores);
        else if (kind == ScoreKind.Sigmoid) TensorPrimitives.Sigmoid(scores, scores);
        var best = _merged is null
            ? TopK(scores, topK).Select(i => new LabelScore(i, labels[i].Zh, labels[i].En, scores[i])).ToList()
            : Merge(scores);
        return new ImageResult(image.Item.Path, best, null, null, image.OriginalWidth, image.OriginalHeight);
    }

    /// <summary>
    /// Probabilities are non-negative, at most one, and sum to about one; quantised models round each of them, so the sum
    /// drifts (seen: 0.8 to 1.2 with int8 outputs). Logits almost always have a negative value.
    /// </summary>
    private static bool LooksLikeProbabilities(float[] s)
    {
        if (s.Any(v => v < 0 || v > 1)) return false;
        var sum = s.Sum();
        return sum is > 0.5f and < 1.5f;
    }

    /// <summary>In place, vectorised; the largest logit is subtracted first so that large logits do not overflow.</summary>
    public static void Softmax(Span<float> v)
    {
        TensorPrimitives.Subtract(v, TensorPrimitives.Max(v), v);
        TensorPrimitives.Exp(v, v);
        // A double sum: summed in float, 54,092 terms (万物识别) are off by up to 5e-5 of the result, and the head that
        // runs in the graph on a GPU is checked against this one to 1e-5.
        var sum = 0.0;
        foreach (var x in v) sum += x;
        TensorPrimitives.Divide(v, (float)sum, v);
    }

    public static int[] TopK(ReadOnlySpan<float> scores, int k)
    {
        k = Math.Min(k, scores.Length);
        var best = new List<int>(k + 1);
        for (var i = 0; i < scores.Length; i++)
        {
            if (best.Count == k && scores[i] <= scores[best[^1]]) continue;
            var pos = best.Count;
            while (pos > 0 && scores[best[pos - 1]] < scores[i]) pos--;
            best.Insert(pos, i);
            if (best.Count > k) best.RemoveAt(k);
        }
        return best.ToArray();
    }
}
