using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;

namespace Wanwu.Postprocess;

/// <summary>The labels of a classifier whose softmax and top-k ran in the graph: k scores and class indices per image.</summary>
internal sealed class TopKHead(TopKOutput head, LabelSet labels, int topK) : IPostprocessor
{
    public ImageResult Process(DecodedImage image, IReadOnlyList<OutputTensor> outputs, int index)
    {
        var scores = outputs[head.Scores].Row(index);
        var indices = outputs[head.Indices].Row(index);
        var best = new List<LabelScore>(Math.Min(topK, scores.Length));
        for (var i = 0; i < scores.Length && i < topK; i++)
        {
            var id = (int)indices[i];
            best.Add(new LabelScore(id, labels[id].Zh, labels[id].En, scores[i]));
        }
        return new ImageResult(image.Item.Path, best, null, null, image.OriginalWidth, image.OriginalHeight);
    }
}
