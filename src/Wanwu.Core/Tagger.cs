using System.Runtime.CompilerServices;
using Wanwu.Decode;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Sources;

namespace Wanwu;

/// <summary>
/// The library entry point: a model loaded once and kept for repeated calls (inside a web service, a job runner, a
/// notebook). Safe to share between threads. For whole runs into an output folder use <see cref="TaggingEngine"/>.
/// </summary>
public sealed class Tagger : IDisposable
{
    private readonly LoadedModel _model;
    private readonly TagOptions _options;
    private readonly ImageDecoder _decoder;
    private readonly BatchInference _inference;

    private Tagger(LoadedModel model, TagOptions options)
    {
        _model = model;
        _options = options;
        _decoder = new ImageDecoder(model.Spec.Preprocess, options.MaxPixels);
        _inference = new BatchInference(model);
    }

    /// <summary>Loads <paramref name="model"/> (a built-in name, an .onnx file or a model folder), fetching a built-in one if needed.</summary>
    /// <param name="model">What <c>--model</c> accepts.</param>
    /// <param name="configure">Adjusts the options: top-k, thresholds, threads, batch size.</param>
    public static Tagger Create(string model = BuiltinModels.DefaultName, Func<TagOptions, TagOptions>? configure = null)
    {
        var options = new TagOptions { Inputs = [], OutputDir = "", Model = model };
        if (configure is not null) options = configure(options);
        return new Tagger(ModelLoader.Load(options), options);
    }

    /// <summary>What was loaded: input size, task, labels.</summary>
    public ModelSpec Model => _model.Spec;

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
        await foreach (var batch in TaggingPipeline.RunAsync(_model, ImageSources.Enumerate(list), _options with { Inputs = list }, ct))
            foreach (var record in batch)
                yield return record;
    }

    public void Dispose() => _model.Dispose();
}
