using Wanwu.Decode;

namespace Wanwu.Backends;

/// <summary>Runs the model on a batch of decoded images. One instance per run: the model is loaded once.</summary>
internal interface IInferenceBackend : IDisposable
{
    /// <summary>Which execution provider runs the model, e.g. <c>CPUExecutionProvider</c>.</summary>
    string ExecutionProvider { get; }

    /// <summary>Whether a GPU runs the model: every new batch shape then costs a kernel search, so shapes are kept few.</summary>
    bool OnGpu => ExecutionProvider != ExecutionProviders.Cpu;

    /// <summary>Outputs for the batch, in the model's output order; row i belongs to <c>images[i]</c>.</summary>
    IReadOnlyList<OutputTensor> Run(IReadOnlyList<DecodedImage> images);

    /// <summary>
    /// From now on, runs of fewer than <paramref name="batch"/> images are padded to it, so that a GPU searches its
    /// kernels for one batch shape, here with <paramref name="sample"/>, rather than in the middle of the run.
    /// </summary>
    void KeepShape(DecodedImage sample, int batch) { }
}
