using System.Threading.Channels;
using Wanwu.Decode;

namespace Wanwu.Batching;

/// <summary>Groups decoded images into batches of a fixed size; the last batch may be smaller.</summary>
internal static class Batcher
{
    /// <summary>Reads decode outcomes until the reader completes, writing a batch each time <paramref name="batchSize"/> images are ready.</summary>
    public static async Task RunAsync(ChannelReader<DecodeOutcome> input, ChannelWriter<Batch> output, int batchSize, CancellationToken ct)
    {
        var images = new List<DecodedImage>(batchSize);
        var failed = new List<ImageResult>();
        try
        {
            await foreach (var outcome in input.ReadAllAsync(ct))
            {
                if (outcome.Image is { } image) images.Add(image);
                else failed.Add(outcome.Failure!);
                // Failures are flushed with the next batch; a long run of failures still flushes so progress stays live.
                if (images.Count >= batchSize || failed.Count >= batchSize * 4)
                {
                    await output.WriteAsync(new Batch(images, failed), ct);
                    images = new List<DecodedImage>(batchSize);
                    failed = [];
                }
            }
            if (images.Count > 0 || failed.Count > 0) await output.WriteAsync(new Batch(images, failed), ct);
            output.TryComplete();
        }
        catch (Exception e)
        {
            output.TryComplete(e);
            throw;
        }
    }
}

/// <summary>What decoding one input produced: an image, or an error record.</summary>
internal sealed record DecodeOutcome(DecodedImage? Image, ImageResult? Failure);
