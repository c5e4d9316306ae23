using System.Diagnostics;
using System.Threading.Channels;
using Wanwu.Decode.Gpu;
using Wanwu.Sources;

namespace Wanwu.Cli.Bench;

/// <summary>
/// nvJPEG decoders fed by a reader that reads each batch's files ahead (in parallel, as the pipeline's decode workers
/// do), so a decoder never waits for a read: what <c>wanwu bench</c>'s decode:gpu way and benchmarks/GpuDecode time.
/// </summary>
internal static class GpuDecodeAhead
{
    /// <summary>A batch's files, read in parallel, in order.</summary>
    public static GpuJpeg[] Read(IEnumerable<InputItem> batch) =>
        batch.AsParallel().AsOrdered().Select(i => new GpuJpeg(i, File.ReadAllBytes(i.FullPath))).ToArray();

    /// <summary>Decodes every batch on whichever decoder is free; <paramref name="onResult"/> is called from several threads.</summary>
    /// <returns>Seconds from the first read to the last decode.</returns>
    public static double Run(IReadOnlyList<NvJpegBatchDecoder> decoders, IEnumerable<InputItem[]> batches, Action<GpuDecodeResult> onResult)
    {
        var read = Channel.CreateBounded<GpuJpeg[]>(new BoundedChannelOptions(2 * decoders.Count) { SingleWriter = true });
        var clock = Stopwatch.StartNew();
        var reader = Task.Run(async () =>
        {
            try
            {
                foreach (var batch in batches) await read.Writer.WriteAsync(Read(batch));
            }
            finally
            {
                read.Writer.Complete();  // a failed read still lets the decoders finish, and WaitAll report it
            }
        });
        var workers = decoders.Select(decoder => Task.Run(async () =>
        {
            await foreach (var files in read.Reader.ReadAllAsync())
                foreach (var result in decoder.Decode(files)) onResult(result);
        })).ToArray();
        Task.WaitAll([reader, .. workers]);
        return clock.Elapsed.TotalSeconds;
    }
}
