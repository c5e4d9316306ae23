using System.Diagnostics;
using System.Threading.Channels;
using Wanwu.Batching;
using Wanwu.Decode;
using Wanwu.Postprocess;
using Wanwu.Sources;

namespace Wanwu.Engine;

/// <summary>
/// The streaming pipeline of a run of several models (or of the OCR model): each file is read and decoded once, at
/// the largest size any model needs (<see cref="InputDeriver.SourceSpec"/>), and each model's input is made from that
/// decode by the decoders; then batches go through every model, each on its own sessions and in its own batch size,
/// and each image's partial records merge into one. A run of one ONNX model is handed to <see cref="TaggingPipeline"/>,
/// whose decode goes straight to the model's size (or to its GPU).
/// </summary>
internal static class MultiModelPipeline
{
    public static IAsyncEnumerable<IReadOnlyList<ImageResult>> RunAsync(
        IReadOnlyList<RunModel> models, IEnumerable<InputItem> items, DecodeOptions decode, PostprocessOptions postprocess,
        CancellationToken ct = default, DecodeGuard? guard = null, ModelClock? clock = null)
    {
        if (models is [OnnxRunModel { Model: var alone }]) return TaggingPipeline.RunAsync(alone, items, decode, postprocess, ct, guard, clock);
        var textTags = postprocess.TextTagsFile is { } file ? TextTags.Load(file) : null;
        var runners = models.Select(m => m.Runner(postprocess)).ToArray();
        var loops = models.Max(m => m.Sessions);
        return TaggingPipeline.Stream(items, Loader(models, decode.MaxPixels), decode.EffectiveThreads, models.Max(m => m.BatchSize), loops,
            (batches, results, token) => InferAll(models, runners, loops, textTags, clock, batches, results, token), guard, ct);
    }

    /// <summary>
    /// Reads and decodes a file once and makes every model's input from it (<see cref="DecodedImage.Inputs"/>). One
    /// model alone gets its input decoded straight at its size.
    /// </summary>
    public static Func<InputItem, DecodedImage> Loader(IReadOnlyList<RunModel> models, long maxPixels)
    {
        if (models.Count == 1)
        {
            var alone = new ImageDecoder(models[0].InputSpec, maxPixels);
            return item =>
            {
                var image = alone.Decode(item);
                return image with { Inputs = [image] };
            };
        }
        var decoder = new ImageDecoder((w, h) => InputDeriver.SourceSpec(models.Select(m => m.InputSpec(w, h)), w, h), maxPixels);
        return item =>
        {
            var source = decoder.Decode(item);
            var inputs = models.Select(m => InputDeriver.Derive(source, m.InputSpec(source.OriginalWidth, source.OriginalHeight))).ToArray();
            // The carrier keeps what the records need of the decode (item, sizes, hash), not its pixels.
            return source with { Pixels = [], Inputs = inputs };
        };
    }

    private static async Task InferAll(IReadOnlyList<RunModel> models, Func<IReadOnlyList<DecodedImage>, int, IReadOnlyList<ImageResult>>[] runners, int loops,
        TextTags? textTags, ModelClock? clock, ChannelReader<Batch> reader, ChannelWriter<IReadOnlyList<ImageResult>> writer, CancellationToken ct)
    {
        var work = Enumerable.Range(0, loops).Select(session => Task.Run(async () =>
        {
            await foreach (var batch in reader.ReadAllAsync(ct))
            {
                var records = new List<ImageResult>(batch.Images.Count + batch.Failed.Count);
                records.AddRange(batch.Failed);
                if (batch.Images.Count > 0)
                {
                    var partial = new IReadOnlyList<ImageResult>[models.Count];
                    for (var m = 0; m < models.Count; m++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        partial[m] = runners[m](batch.Images.Select(i => i.Inputs![m]).ToList(), session);
                        clock?.Add(m, Stopwatch.GetElapsedTime(started));
                    }
                    for (var i = 0; i < batch.Images.Count; i++)
                        records.Add(Merge(batch.Images[i], models, partial.Select(p => p[i]).ToList(), textTags));
                }
                await writer.WriteAsync(records, ct);
            }
        }, ct)).ToArray();
        await TaggingPipeline.CompleteAfter(writer, work);
    }

    /// <summary>
    /// One record of an image from each model's: labels in the order of the models, objects of the detectors (null
    /// when none ran), texts of the OCR model (null when none ran) and the labels keyword rules give them. An image
    /// a model failed on gets that model's error, named.
    /// </summary>
    internal static ImageResult Merge(DecodedImage image, IReadOnlyList<RunModel> models, IReadOnlyList<ImageResult> partial, TextTags? textTags)
    {
        var path = image.Item.Path;
        for (var m = 0; m < partial.Count; m++)
            if (partial[m].Error is { } error)
                return ImageResult.Failed(path, error.Type, models.Count > 1 ? $"{models[m].Name}: {error.Message}" : error.Message).StampedWith(image);
        var labels = new List<LabelScore>();
        List<DetectedObject>? objects = null;
        IReadOnlyList<TextLine>? texts = null;
        for (var m = 0; m < partial.Count; m++)
        {
            var p = partial[m];
            labels.AddRange(p.Labels.Select(l => l.Model is null ? l with { Model = models[m].Name } : l));
            if (p.Objects is { } found) (objects ??= []).AddRange(found.Select(o => o.Model is null ? o with { Model = models[m].Name } : o));
            if (p.Texts is { } read)
            {
                texts = texts is null ? read : [.. texts, .. read];
                if (textTags is not null) labels.AddRange(textTags.Labels(read, models[m].Name));
            }
        }
        return new ImageResult(path, labels, objects, null, image.OriginalWidth, image.OriginalHeight) { Texts = texts }.StampedWith(image);
    }
}

/// <summary>Time spent in each model of a run, over all its sessions: what summary.json's speed shares are made of.</summary>
internal sealed class ModelClock(int models)
{
    private readonly long[] _ticks = new long[models];

    public void Add(int model, TimeSpan elapsed) => Interlocked.Add(ref _ticks[model], elapsed.Ticks);

    public TimeSpan this[int model] => TimeSpan.FromTicks(Interlocked.Read(ref _ticks[model]));

    public TimeSpan Total => TimeSpan.FromTicks(Enumerable.Range(0, _ticks.Length).Sum(i => this[i].Ticks));
}
