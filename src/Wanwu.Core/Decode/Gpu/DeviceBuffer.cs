namespace Wanwu.Decode.Gpu;

/// <summary>
/// Device memory that is kept from batch to batch and only grows, up to a limit: decoding never allocates per image.
/// The owner synchronises its stream before a buffer grows (the old memory may still be in use until then).
/// </summary>
internal sealed unsafe class DeviceBuffer(CudaApi api, string purpose) : IDisposable
{
    public nint Pointer { get; private set; }
    public long Capacity { get; private set; }

    /// <summary>Makes room for <paramref name="bytes"/>, growing to at least twice the old size where <paramref name="limit"/> allows.</summary>
    public void Ensure(long bytes, long limit = long.MaxValue)
    {
        if (bytes <= Capacity) return;
        var size = Math.Max(bytes, Math.Min(limit, Capacity * 2));
        if (Pointer != 0) api.Cuda(api.Free(Pointer), "cudaFree");
        (Pointer, Capacity) = (0, 0);
        nint p;
        api.Cuda(api.Malloc(&p, (nuint)size), $"cudaMalloc of {size >> 20} MiB for {purpose}");
        (Pointer, Capacity) = (p, size);
    }

    /// <summary>Frees the memory; a failure here (the device already lost) is not reported again.</summary>
    public void Dispose()
    {
        if (Pointer != 0) api.Free(Pointer);
        (Pointer, Capacity) = (0, 0);
    }
}
