using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Models.ZeroShot;

namespace Wanwu.Postprocess;

/// <summary>
/// Image embeddings → the user's tags: cosine similarity with every tag's text embedding, times the model's logit
/// scale, softmax over the vocabulary, top-k (merged through a label map like any classifier's classes).
/// </summary>
public sealed class ZeroShotHead(TextEmbeddings tags, float logitScale, ClassifierHead classifier) : IPostprocessor
{
    public static ZeroShotHead Create(ModelSpec spec, TagOptions options, TextWriter? log)
    {
        var card = spec.ZeroShot ?? throw new ModelLoadException($"'{spec.Name}' outputs embeddings but its card has no zero_shot section");
        var prompts = card.Tags.Select(t => card.Template.Replace("{}", t, StringComparison.Ordinal)).ToList();
        var embeddings = TextEmbeddings.For(spec.Dir, card, prompts, options.ModelCacheDir, log);
        var logits = spec with { Output = spec.Output with { Kind = "logits", Scores = "similarity" } };
        return new ZeroShotHead(embeddings, card.LogitScale, new ClassifierHead(logits, options.TopK));
    }

    public ImageResult Process(DecodedImage image, IReadOnlyList<OutputTensor> outputs, int index)
    {
        var embedding = outputs[0].Row(index).ToArray();
        if (embedding.Length != tags.Dim)
            throw new ModelLoadException($"the image encoder gives {embedding.Length} dimensions but the text encoder {tags.Dim}: they are not one model");
        TextEmbeddings.Normalise(embedding);
        var similarity = new float[tags.Count];
        for (var k = 0; k < tags.Count; k++)
            similarity[k] = logitScale * System.Numerics.Tensors.TensorPrimitives.Dot(embedding, tags.Row(k));
        return classifier.Process(image, [new OutputTensor("similarity", [1, tags.Count], similarity)], 0);
    }
}
