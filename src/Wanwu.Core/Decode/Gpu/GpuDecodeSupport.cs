namespace Wanwu.Decode.Gpu;

/// <summary>What <see cref="GpuDecodeSupport.Probe"/> found.</summary>
/// <param name="Available">True when nvJPEG and NPP loaded and a CUDA device answers.</param>
/// <param name="Problem">Why not, naming the library and version that is missing; null when available.</param>
/// <param name="Details">Versions, devices and the hardware decoder, one fact a line.</param>
internal sealed record GpuDecodeProbe(bool Available, string? Problem, IReadOnlyList<string> Details)
{
    /// <summary>One line for <c>wanwu devices</c>.</summary>
    public string Summary => Available ? $"available ({string.Join("; ", Details)})" : $"not available: {Problem}";
}

/// <summary>Whether JPEGs can be decoded on the GPU here (nvJPEG, NPP, a CUDA device), and if not, exactly why.</summary>
internal static class GpuDecodeSupport
{
    /// <summary>
    /// Loads the libraries (once per process), asks the runtime for devices and, with <paramref name="hardware"/>, whether
    /// device <paramref name="deviceId"/> has a hardware JPEG decoder (this creates a CUDA context there).
    /// </summary>
    public static unsafe GpuDecodeProbe Probe(bool hardware = true, int deviceId = 0)
    {
        var (api, problem) = CudaApi.Instance;
        if (api is null) return new(false, problem, []);
        var details = new List<string>();
        try
        {
            int runtime, driver, count = 0, major, minor, patch;
            api.Cuda(api.RuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
            api.Cuda(api.DriverGetVersion(&driver), "cudaDriverGetVersion");
            details.Add($"CUDA runtime {Version(runtime)} ({api.Paths["libcudart"]})");
            if (driver == 0) return new(false, "no NVIDIA driver is installed (cudaDriverGetVersion gives 0)", details);
            details.Add($"driver supports CUDA {Version(driver)}");
            api.Jpeg(api.NvJpegGetProperty(CudaConst.PropertyMajor, &major), "nvjpegGetProperty");
            api.Jpeg(api.NvJpegGetProperty(CudaConst.PropertyMinor, &minor), "nvjpegGetProperty");
            api.Jpeg(api.NvJpegGetProperty(CudaConst.PropertyPatch, &patch), "nvjpegGetProperty");
            details.Add($"nvJPEG {major}.{minor}.{patch}");
            if (api.NppGetLibVersion != null && api.NppGetLibVersion() is var npp && npp != null) details.Add($"NPP {npp->Major}.{npp->Minor}.{npp->Build}");
            // A driver older than the runtime may still serve it (minor-version compatibility): the device count says.
            api.Cuda(api.GetDeviceCount(&count), "cudaGetDeviceCount");
            if (count == 0) return new(false, "no CUDA device", details);
            details.Add($"{count} CUDA device(s)");
            if (deviceId >= count) return new(false, $"GPU {deviceId} does not exist: {count} device(s), numbered from 0", details);
            if (hardware)
            {
                api.Cuda(api.SetDevice(deviceId), "cudaSetDevice");
                var (handle, why, engines) = api.CreateHardwareHandle();
                if (handle != 0) api.NvJpegDestroy(handle);
                details.Add(handle != 0 ? $"hardware JPEG decoder on GPU {deviceId}{(engines is null ? "" : $": {engines}")}"
                    : $"no hardware JPEG decoder on GPU {deviceId} ({why}): GPU hybrid decoding");
            }
            return new(true, null, details);
        }
        catch (GpuDecodeException e)
        {
            return new(false, e.Message, details);
        }
    }

    /// <summary>CUDA's version integers: 13000 is 13.0.</summary>
    private static string Version(int v) => $"{v / 1000}.{v % 1000 / 10}";
}
