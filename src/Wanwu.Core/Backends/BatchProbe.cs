using System.Diagnostics;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Sources;

namespace Wanwu.Backends;

/// <summary>
/// Picks the batch size by measuring: doubling batches are timed on the real session until throughput stops
/// improving, a batch fails (out of memory) or the time budget is spent. Not a table keyed by memory size.
/// </summary>
internal static class BatchProbe
{
    public const int Max = 256;

    /// <summary>Measures <paramref name="backend"/> with synthetic images of the model's input size.</summary>
    public static int Fastest(IInferenceBackend backend, ModelSpec spec, TextWriter? log = null, double budgetSeconds = 0.6)
    {
        var image = SyntheticImage(spec);
        var chosen = Choose(batch =>
        {
            var images = Enumerable.Repeat(image, batch).ToList();
            backend.Run(images);  // warm-up: first runs allocate
            // The fastest of a few runs: one run alone is at the mercy of whatever else the machine is doing.
            var best = double.MaxValue;
            var spent = Stopwatch.StartNew();
            for (var i = 0; i < 5 && (i < 2 || spent.Elapsed.TotalSeconds < 0.15); i++)
            {
                var clock = Stopwatch.StartNew();
                backend.Run(images);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            return best;
        }, budgetSeconds, first: backend.OnGpu ? 8 : 1);
        log?.WriteLine($"batch size {chosen} (probed on {backend.ExecutionProvider})");
        return chosen;
    }

    /// <summary>An image of noise of the model's input size, for runs whose outputs nobody reads.</summary>
    public static DecodedImage SyntheticImage(ModelSpec spec)
    {
        var pixels = new byte[spec.Width * spec.Height * 3];
        new Random(1).NextBytes(pixels);
        return new DecodedImage(new InputItem("probe", "probe", default), pixels, spec.Width, spec.Height, spec.Width, spec.Height, default);
    }

    /// <summary>
    /// The batch with the best images per second among <paramref name="first"/>, twice that, …: stops when a doubling gains less than 5 %, when
    /// <paramref name="secondsPerBatch"/> throws (the batch does not fit), or when the measurements used the budget.
    /// </summary>
    /// <remarks>A GPU starts at 8: each new batch shape costs it a kernel search of a second or more, and no GPU is fastest at 1 to 4.</remarks>
    public static int Choose(Func<int, double> secondsPerBatch, double budgetSeconds = 2.0, int max = Max, int first = 1)
    {
        var best = first;
        var bestRate = 0.0;
        var spent = 0.0;
        for (var batch = first; batch <= max; batch *= 2)
        {
            double seconds;
            try
            {
                seconds = Math.Max(1e-9, secondsPerBatch(batch));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                break;
            }
            spent += 2 * seconds;
            var rate = batch / seconds;
            if (rate > bestRate * 1.05) (best, bestRate) = (batch, rate);
            else if (batch > best * 2) break;  // two doublings without a real gain
            if (spent > budgetSeconds) break;
        }
        return best;
    }
}
