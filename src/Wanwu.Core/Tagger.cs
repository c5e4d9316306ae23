using System.Runtime.CompilerServices;
using Wanwu.Decode;
using Wanwu.Engine;
using Wanwu.Sources;

namespace Wanwu;

/// <summary>
/// The library entry point: a model loaded once and kept for repeated calls (inside a web service, a job runner, a
/// notebook). Safe to share between threads. For whole runs into an output folder use <see cref="TaggingEngine"/>.
/// </summary>
public sealed class Tagger : IDisposable
{
    private readonly LoadedModel _model;
    private readonly PostprocessOptions _postprocess;
    private readonly DecodeOptions _decode;
    private readonly ImageDecoder _decoder;
    private readonly BatchInference _inference;

    private Tagger(LoadedModel model, PostprocessOptions postprocess, DecodeOptions decode)
    {
        _model = model;
        _postprocess = postprocess;
        _decode = decode;
        _decoder = new ImageDecoder(model.Spec.Preprocess, decode.MaxPixels);
        _inference = new BatchInference(model, model.CreatePostprocessor(postprocess));
    }

    /// <summary>Loads <paramref name="model"/> (a built-in name, an .onnx file, a model folder or a URL), fetching it if needed.</summary>
    /// <param name="model">What <c>--model</c> accepts.</param>
    /// <param name="postprocess">Top-k and detection thresholds; null for the defaults.</param>
    public static Tagger Create(string model = Models.BuiltinModels.DefaultName, PostprocessOptions? postprocess = null) =>
        Create(new ModelOptions { Model = model }, postprocess);

    /// <summary>Loads the model <paramref name="model"/> describes (devices, batch size, label map, vocabulary).</summary>
    public static Tagger Create(ModelOptions model, PostprocessOptions? postprocess = null, DecodeOptions? decode = null) =>
        new(ModelLoader.Load(model), postprocess ?? new PostprocessOptions(), decode ?? new DecodeOptions());

    /// <summary>Tags one image file. A bad image gives a record with <see cref="ImageResult.Error"/> set, not an exception.</summary>
    public Task<ImageResult> TagAsync(string path, CancellationToken ct = default) => Task.Run(() =>
    {
        var item = new InputItem(path, Path.GetFullPath(path));
        var outcome = TaggingPipeline.DecodeOne(_decoder, item);
        return outcome.Image is { } image ? _inference.Run([image])[0] : outcome.Failure!;
    }, ct);

    /// <summary>
    /// Tags many images (files, folders, list files) through the streaming pipeline: parallel decode, batched inference.
    /// Records arrive as their batch finishes, not in input order.
    /// </summary>
    public async IAsyncEnumerable<ImageResult> TagManyAsync(IEnumerable<string> inputs, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var list = inputs.ToList();
        ImageSources.Validate(list);
        await foreach (var batch in TaggingPipeline.RunAsync(_model, ImageSources.Enumerate(list), _decode, _postprocess, ct))
            foreach (var record in batch)
                yield return record;
    }

    public void Dispose() => _model.Dispose();
}
