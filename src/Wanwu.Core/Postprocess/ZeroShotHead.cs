using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Models.ZeroShot;

namespace Wanwu.Postprocess;

/// <summary>
/// Image embeddings → the user's tags: cosine similarity with every tag's text embedding, times the model's logit
/// scale, softmax over the vocabulary, top-k (merged through a label map like any classifier's classes).
/// </summary>
internal sealed class ZeroShotHead(EmbeddingHead head, TextEmbeddings tags, float logitScale, ClassifierHead classifier) : IPostprocessor
{
    public ImageResult Process(DecodedImage image, IReadOnlyList<OutputTensor> outputs, int index)
    {
        var embedding = outputs[head.Embedding].Row(index).ToArray();
        if (embedding.Length != tags.Dim)
            throw new ModelLoadException($"the image encoder gives {embedding.Length} dimensions but the text encoder {tags.Dim}: they are not one model");
        TextEmbeddings.Normalise(embedding);
        var similarity = new float[tags.Count];
        for (var k = 0; k < tags.Count; k++)
            similarity[k] = logitScale * System.Numerics.Tensors.TensorPrimitives.Dot(embedding, tags.Row(k));
        return classifier.Process(image, [new OutputTensor("similarity", [1, tags.Count], similarity)], 0);
    }
}
