using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Sources;
using Wanwu.Models;
using Wanwu.Models.ZeroShot;
using Wanwu.Postprocess;

namespace Wanwu.Engine;

/// <summary>A model ready for runs: its description, one open session per planned device, and the batch size to use.</summary>
internal sealed class LoadedModel(ModelSpec spec, IReadOnlyList<IInferenceBackend> backends, string path, int batchSize = 0, TextEmbeddings? tags = null) : IDisposable
{
    public ModelSpec Spec { get; } = spec;

    /// <summary>One session per device; the pipeline feeds them batches in parallel and merges their records.</summary>
    public IReadOnlyList<IInferenceBackend> Backends { get; } = backends;

    public IInferenceBackend Backend => Backends[0];

    /// <summary>The name its labels and objects carry in the records: the model's own, or the one a run of several gave it.</summary>
    public string Name { get; init; } = spec.Name;

    /// <summary>The ONNX file that was loaded.</summary>
    public string Path { get; } = path;

    /// <summary>Images per batch: the user's, what probing found fastest, or the card's preferred size.</summary>
    public int BatchSize { get; } = batchSize > 0 ? batchSize : spec.PreferredBatch;

    /// <summary>What the network runs in: <c>fp16</c>, <c>bf16</c> or <c>as-is</c> (the model's own types).</summary>
    public string Precision { get; init; } = "as-is";

    public string ExecutionProvider => string.Join(",", Backends.Select(b => b.ExecutionProvider).Distinct());

    /// <summary>Whether JPEGs are decoded on the GPU the sessions run on (nvJPEG), the rest on the CPU.</summary>
    public bool DecodesOnDevice { get; init; }

    /// <summary>
    /// The decode stage this model's device owns: CPU decode at the input size, or, for a model that decodes on the
    /// GPU, JPEG bytes handed to the device and every other file decoded on the CPU.
    /// </summary>
    public Func<InputItem, DecodedImage> ImageLoader(long maxPixels)
    {
        var cpu = new ImageDecoder(Spec.Preprocess, maxPixels);
        return DecodesOnDevice ? new Decode.Gpu.GpuImageLoader(Spec.Preprocess, maxPixels, hardware: false, cpu).Load : cpu.Decode;
    }

    /// <summary>For a zero-shot model: the embeddings of its tags.</summary>
    public TextEmbeddings? Tags { get; } = tags;

    /// <summary>The decoder of this model's outputs for one run's settings.</summary>
    public IPostprocessor CreatePostprocessor(PostprocessOptions options) => PostprocessorFactory.Create(Spec, options, Tags);

    public void Dispose()
    {
        foreach (var b in Backends) b.Dispose();
    }
}
