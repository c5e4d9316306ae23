using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Wanwu.Batching;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Sources;

namespace Wanwu.Engine;

/// <summary>
/// The streaming core: sources → parallel decode → batches → inference → records, each stage a task joined to the next by a
/// bounded channel, so memory stays flat whatever the number of images and decoding overlaps inference.
/// </summary>
internal static class TaggingPipeline
{
    /// <summary>Yields the records of each finished batch, failed images included, as soon as they are ready.</summary>
    /// <remarks><c>guard</c> records what each decoder works on, for crash recovery; null for none.</remarks>
    public static IAsyncEnumerable<IReadOnlyList<ImageResult>> RunAsync(
        LoadedModel model, IEnumerable<InputItem> items, DecodeOptions decode, PostprocessOptions postprocess, CancellationToken ct = default, DecodeGuard? guard = null,
        ModelClock? clock = null)
    {
        var postprocessor = model.CreatePostprocessor(postprocess);
        return Stream(items, model.ImageLoader(decode.MaxPixels), decode.EffectiveThreads, model.BatchSize, model.Backends.Count,
            (batches, results, token) => InferAll(model, postprocessor, batches, results, clock, token), guard, ct);
    }

    /// <summary>
    /// The stages every run shares: <paramref name="items"/> → <paramref name="threads"/> decoders running
    /// <paramref name="load"/> → batches of <paramref name="batchSize"/> → <paramref name="infer"/>, which runs
    /// <paramref name="loops"/> inference loops → the records, yielded as each batch's are ready.
    /// </summary>
    internal static async IAsyncEnumerable<IReadOnlyList<ImageResult>> Stream(
        IEnumerable<InputItem> items, Func<InputItem, DecodedImage> load, int threads, int batchSize, int loops,
        Func<ChannelReader<Batch>, ChannelWriter<IReadOnlyList<ImageResult>>, CancellationToken, Task> infer,
        DecodeGuard? guard, [EnumeratorCancellation] CancellationToken ct)
    {
        // Decoders and inference sessions block in native code for most of their time; without enough pool threads the
        // runtime adds them one by one and the cores wait (measured on 16 cores: decode-only at 69 % CPU).
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        var needed = threads + loops + 8;
        if (minWorkers < needed) ThreadPool.SetMinThreads(needed, minIo);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = cts.Token;

        var inputs = Channel.CreateBounded<InputItem>(new BoundedChannelOptions(threads * 4) { SingleWriter = true });
        var decoded = Channel.CreateBounded<DecodeOutcome>(new BoundedChannelOptions(batchSize * 2) { SingleReader = true });
        var batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(loops + 1) { SingleReader = loops == 1, SingleWriter = true });
        var results = Channel.CreateBounded<IReadOnlyList<ImageResult>>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = loops == 1 });

        var tasks = new List<Task>
        {
            Task.Run(() => Produce(items, inputs.Writer, token), token),
            Task.Run(() => DecodeAll(load, inputs.Reader, decoded.Writer, threads, guard, token), token),
            Task.Run(() => Batcher.RunAsync(decoded.Reader, batches.Writer, batchSize, token), token),
            Task.Run(() => infer(batches.Reader, results.Writer, token), token),
        };

        try
        {
            await foreach (var batch in results.Reader.ReadAllAsync(token))
                yield return batch;
            await Task.WhenAll(tasks);
        }
        finally
        {
            cts.Cancel();
            try { await Task.WhenAll(tasks); } catch { /* the first failure already surfaced through the channels */ }
        }
    }

    /// <summary>Completes <paramref name="writer"/> when every one of <paramref name="workers"/> has finished, with the first failure if one failed.</summary>
    internal static async Task CompleteAfter<T>(ChannelWriter<T> writer, IEnumerable<Task> workers)
    {
        try
        {
            await Task.WhenAll(workers);
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
        }
    }

    internal static async Task Produce(IEnumerable<InputItem> items, ChannelWriter<InputItem> writer, CancellationToken ct)
    {
        try
        {
            foreach (var item in items) await writer.WriteAsync(item, ct);
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
        }
    }

    internal static async Task DecodeAll(Func<InputItem, DecodedImage> load, ChannelReader<InputItem> reader, ChannelWriter<DecodeOutcome> writer, int threads, DecodeGuard? guard, CancellationToken ct)
    {
        var decoders = Enumerable.Range(0, threads).Select(decoderIndex => Task.Run(async () =>
        {
            await foreach (var item in reader.ReadAllAsync(ct))
            {
                guard?.Begin(decoderIndex, item);
                var outcome = DecodeOne(load, item);
                guard?.End(decoderIndex);
                await writer.WriteAsync(outcome, ct);
            }
        }, ct)).ToArray();
        await CompleteAfter(writer, decoders);
    }

    /// <summary>Never throws for a bad image: every input becomes an image or an error record.</summary>
    public static DecodeOutcome DecodeOne(ImageDecoder decoder, InputItem item) => DecodeOne(decoder.Decode, item);

    /// <summary>Never throws for a bad image: every input becomes an image (decoded, or bytes for the device) or an error record.</summary>
    public static DecodeOutcome DecodeOne(Func<InputItem, DecodedImage> load, InputItem item)
    {
        try
        {
            return new DecodeOutcome(load(item), null);
        }
        catch (ImageException e)
        {
            return new DecodeOutcome(null, ImageResult.Failed(item.Path, e.Type, e.Message).StampedWith(item.Stamp));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new DecodeOutcome(null, ImageResult.Failed(item.Path, ImageErrorTypes.DecodeError, ImageDecoder.OneLine(e.Message)).StampedWith(item.Stamp));
        }
    }

    /// <summary>One inference loop per session, all taking batches from one channel; their records merge into one stream.</summary>
    private static async Task InferAll(LoadedModel model, Postprocess.IPostprocessor postprocessor, ChannelReader<Batch> reader, ChannelWriter<IReadOnlyList<ImageResult>> writer, ModelClock? clock, CancellationToken ct)
    {
        var loops = model.Backends.Select(backend => Task.Run(async () =>
        {
            var inference = new BatchInference(model, postprocessor, backend);
            await foreach (var batch in reader.ReadAllAsync(ct))
            {
                var records = new List<ImageResult>(batch.Images.Count + batch.Failed.Count);
                records.AddRange(batch.Failed);
                if (batch.Images.Count > 0)
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    records.AddRange(inference.Run(batch.Images));
                    clock?.Add(0, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                }
                await writer.WriteAsync(records, ct);
            }
        }, ct)).ToArray();
        await CompleteAfter(writer, loops);
    }
}
