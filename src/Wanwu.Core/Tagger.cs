using System.Runtime.CompilerServices;
using Wanwu.Decode;
using Wanwu.Engine;
using Wanwu.Postprocess;
using Wanwu.Sources;

namespace Wanwu;

/// <summary>
/// The library entry point: a model (or several) loaded once and kept for repeated calls (inside a web service, a job
/// runner, a notebook). Safe to share between threads. For whole runs into an output folder use <see cref="TaggingEngine"/>.
/// </summary>
public sealed class Tagger : IDisposable
{
    private readonly RunModels _models;
    private readonly PostprocessOptions _postprocess;
    private readonly DecodeOptions _decode;
    // One ONNX model alone: decoded straight at its size, as a run of it does.
    private readonly LoadedModel? _alone;
    private readonly ImageDecoder? _decoder;
    private readonly BatchInference? _inference;
    // Several models, or OCR: one decode, each model's input made from it, one merged record.
    private readonly Func<InputItem, DecodedImage>? _load;
    private readonly Func<IReadOnlyList<DecodedImage>, int, IReadOnlyList<ImageResult>>[] _runners = [];
    private readonly TextTags? _textTags;

    private Tagger(RunModels models, PostprocessOptions postprocess, DecodeOptions decode)
    {
        _models = models;
        _postprocess = postprocess;
        _decode = decode;
        if (models.All is [OnnxRunModel { Model: var alone }])
        {
            _alone = alone;
            _decoder = new ImageDecoder(alone.Spec.Preprocess, decode.MaxPixels);
            _inference = new BatchInference(alone, alone.CreatePostprocessor(postprocess));
            return;
        }
        _load = MultiModelPipeline.Loader(models.All, decode.MaxPixels);
        _runners = [.. models.All.Select(m => m.Runner(postprocess))];
        _textTags = postprocess.TextTagsFile is { } file ? TextTags.Load(file) : null;
    }

    /// <summary>Loads <paramref name="model"/> (a built-in name, an .onnx file, a model folder or a URL), fetching it if needed.</summary>
    /// <param name="model">What <c>--model</c> accepts.</param>
    /// <param name="postprocess">Top-k and detection thresholds; null for the defaults.</param>
    public static Tagger Create(string model = Models.BuiltinModels.DefaultName, PostprocessOptions? postprocess = null) =>
        Create(new ModelOptions { Model = model }, postprocess);

    /// <summary>Loads the model <paramref name="model"/> describes (devices, batch size, label map, vocabulary).</summary>
    public static Tagger Create(ModelOptions model, PostprocessOptions? postprocess = null, DecodeOptions? decode = null) =>
        CreateMany([model], postprocess, decode);

    /// <summary>
    /// Loads several models to run in one pass (a classifier, a detector, <c>ppocr</c>): each image is decoded once and
    /// its record holds every model's labels, objects and texts, each label and object naming its model.
    /// </summary>
    /// <param name="models">What each <c>--model</c> says, in the order their labels appear.</param>
    /// <param name="postprocess">Top-k, thresholds and text tags; null for the defaults.</param>
    /// <param name="decode">Decoding; null for the defaults.</param>
    public static Tagger CreateMany(IReadOnlyList<ModelOptions> models, PostprocessOptions? postprocess = null, DecodeOptions? decode = null)
    {
        if (models.Count == 0) throw new ArgumentException("give at least one model", nameof(models));
        return new(RunModels.Load(models), postprocess ?? new PostprocessOptions(), decode ?? new DecodeOptions());
    }

    /// <summary>Tags one image file. A bad image gives a record with <see cref="ImageResult.Error"/> set, not an exception.</summary>
    public Task<ImageResult> TagAsync(string path, CancellationToken ct = default) => Task.Run(() =>
    {
        var item = new InputItem(path, Path.GetFullPath(path));
        if (_alone is not null)
        {
            var outcome = TaggingPipeline.DecodeOne(_decoder!, item);
            return outcome.Image is { } image ? _inference!.Run([image])[0] : outcome.Failure!;
        }
        var decoded = TaggingPipeline.DecodeOne(_load!, item);
        if (decoded.Image is not { } source) return decoded.Failure!;
        var partial = _runners.Select((run, m) => run([source.Inputs![m]], 0)[0]).ToList();
        return MultiModelPipeline.Merge(source, _models.All, partial, _textTags);
    }, ct);

    /// <summary>
    /// Tags many images (files, folders, list files) through the streaming pipeline: parallel decode, batched inference.
    /// Records arrive as their batch finishes, not in input order.
    /// </summary>
    public async IAsyncEnumerable<ImageResult> TagManyAsync(IEnumerable<string> inputs, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var list = inputs.ToList();
        ImageSources.Validate(list);
        await foreach (var batch in MultiModelPipeline.RunAsync(_models.All, ImageSources.Enumerate(list), _decode, _postprocess, ct))
            foreach (var record in batch)
                yield return record;
    }

    public void Dispose() => _models.Dispose();
}
