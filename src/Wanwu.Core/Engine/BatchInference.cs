using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Postprocess;

namespace Wanwu.Engine;

/// <summary>
/// Runs batches and decodes their outputs. A batch that fails (out of memory, a provider error) is split in halves and
/// retried, and later batches are cut to the size that worked, so no image is lost and the run keeps its pace.
/// </summary>
internal sealed class BatchInference(LoadedModel model, IPostprocessor postprocessor, IInferenceBackend? backend = null)
{
    private readonly IInferenceBackend _backend = backend ?? model.Backend;

    /// <summary>Largest batch sent to the backend; lowered after a failure.</summary>
    public int Limit { get; private set; } = int.MaxValue;

    public IReadOnlyList<ImageResult> Run(IReadOnlyList<DecodedImage> images)
    {
        var results = new List<ImageResult>(images.Count);
        for (var start = 0; start < images.Count;)
        {
            var size = Math.Min(Limit, images.Count - start);
            results.AddRange(RunSplitting(images.Skip(start).Take(size).ToList()));
            start += size;
        }
        return results;
    }

    /// <summary>
    /// On a GPU every new batch shape costs a kernel search (cuDNN's took 1.2 to 1.8 s per shape for ResNeSt-101 on an
    /// H100), so a short batch is padded to the usual size with copies of its last image, whose results are dropped.
    /// </summary>
    private readonly bool _padBatches = (backend ?? model.Backend).OnGpu;

    private IReadOnlyList<ImageResult> RunSplitting(IReadOnlyList<DecodedImage> images)
    {
        try
        {
            var padTo = _padBatches ? Math.Min(Limit, model.BatchSize) : 0;
            var run = images.Count < padTo ? [.. images, .. Enumerable.Repeat(images[^1], padTo - images.Count)] : images;
            var outputs = _backend.Run(run);
            // Decoding outputs (softmax and top-k over 54,092 classes for 万物识别) took longer than a GPU's batch when
            // done image after image on the inference thread.
            var results = new ImageResult[images.Count];
            Parallel.For(0, images.Count, i => results[i] = postprocessor.Process(images[i], outputs, i).MadeBy(model.Name).StampedWith(images[i]));
            return results;
        }
        catch (Exception e) when (e is not OperationCanceledException and not ModelLoadException)
        {
            if (images.Count == 1)
            {
                // A file the device's decoder refused and the CPU could not decode either is a decode error, not the model's.
                var type = e is ImageException image ? image.Type : ImageErrorTypes.InferenceError;
                return [ImageResult.Failed(images[0].Item.Path, type, e.Message.Split('\n')[0]).StampedWith(images[0])];
            }
            var half = images.Count / 2;
            Limit = Math.Min(Limit, Math.Max(1, half));
            return [.. Run(images.Take(half).ToList()), .. Run(images.Skip(half).ToList())];
        }
    }
}
