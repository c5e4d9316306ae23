namespace Wanwu.Decode.Gpu;

/// <summary>The three NVIDIA libraries the GPU decoder calls.</summary>
internal enum GpuLibrary { CudaRuntime, NvJpeg, Npp }

/// <summary>A CUDA runtime, nvJPEG or NPP call that returned an error, with the library's own name for the status.</summary>
internal sealed class GpuDecodeException(GpuLibrary library, string call, int status, string statusText)
    : WanwuException($"{call} failed: {statusText} ({LibraryName(library)} status {status})")
{
    public GpuLibrary Library { get; } = library;
    public string Call { get; } = call;
    public int Status { get; } = status;
    /// <summary>The library's name or text for <see cref="Status"/>, e.g. <c>NVJPEG_STATUS_BAD_JPEG</c>.</summary>
    public string StatusText { get; } = statusText;

    internal static string LibraryName(GpuLibrary library) => library switch
    {
        GpuLibrary.CudaRuntime => "CUDA runtime",
        GpuLibrary.NvJpeg => "nvJPEG",
        _ => "NPP",
    };
}

/// <summary>The GPU decoder was asked for where CUDA, nvJPEG or NPP cannot be loaded or no device answers.</summary>
internal sealed class GpuDecodeUnavailableException(string reason) : WanwuException($"JPEG decoding on the GPU is not available here: {reason}")
{
    public string Reason { get; } = reason;
}
