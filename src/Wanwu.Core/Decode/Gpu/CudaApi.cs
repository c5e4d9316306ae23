using System.Runtime.InteropServices;

namespace Wanwu.Decode.Gpu;

/// <summary>
/// The CUDA runtime, nvJPEG and NPP functions the GPU decoder calls, bound at run time from whichever CUDA major
/// version is installed (13, then 12, then unversioned names): nothing here is needed to build or run wanwu without a
/// GPU. Every status goes through <see cref="Verify"/>.
/// </summary>
internal sealed unsafe class CudaApi
{
    private static readonly string[] Majors = ["13", "12", ""];

    /// <summary>Folders searched after the loader's own paths (LD_LIBRARY_PATH, ld.so.cache).</summary>
    internal static IReadOnlyList<string> SearchFolders()
    {
        var folders = new List<string>();
        foreach (var v in new[] { "CUDA_HOME", "CUDA_PATH" })
            if (Environment.GetEnvironmentVariable(v) is { Length: > 0 } home) folders.AddRange([Path.Combine(home, "lib64"), Path.Combine(home, "lib")]);
        folders.AddRange(["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"]);
        // Versioned installs (the device machines have /usr/local/cuda-13.0), newest first.
        if (Directory.Exists("/usr/local"))
            foreach (var dir in Directory.GetDirectories("/usr/local", "cuda-*").OrderDescending(StringComparer.Ordinal))
                folders.AddRange([Path.Combine(dir, "targets/x86_64-linux/lib"), Path.Combine(dir, "lib64")]);
        return folders.Distinct().ToList();
    }

    // The order matters: NPP's geometry library needs its core library, found by name once it is loaded.
    private static readonly string[] Stems = ["libcudart", "libnppc", "libnppig", "libnvjpeg"];

    private static readonly Lazy<(CudaApi? Api, string? Problem)> Loaded = new(Load);

    /// <summary>The bound functions, or null with the reason (which library of which version is missing).</summary>
    public static (CudaApi? Api, string? Problem) Instance => Loaded.Value;

    private readonly Dictionary<string, string> _paths;

    /// <summary>Where each library was loaded from.</summary>
    public IReadOnlyDictionary<string, string> Paths => _paths;

    /// <summary>The CUDA major version whose libraries were loaded ("13", "12", or "" for unversioned names).</summary>
    public string Major { get; }

    private static (CudaApi?, string?) Load()
    {
        var folders = SearchFolders();
        var problems = new List<string>();
        foreach (var major in Majors)
        {
            var handles = new Dictionary<string, (nint Handle, string Path)>();
            var missing = new List<string>();
            foreach (var stem in Stems)
            {
                var name = major.Length > 0 ? $"{stem}.so.{major}" : $"{stem}.so";
                var found = new[] { name }.Concat(folders.Select(f => Path.Combine(f, name)))
                    .Select(p => NativeLibrary.TryLoad(p, out var h) ? (h, p) : (0, p)).FirstOrDefault(r => r.Item1 != 0);
                if (found.Item1 != 0) handles[stem] = found;
                else missing.Add(name);
            }
            if (missing.Count == 0)
            {
                var api = new CudaApi(major, handles);
                if (api._missingExports.Count == 0) return (api, null);
                problems.Add($"the CUDA {Label(major)} libraries lack {string.Join(", ", api._missingExports)}");
            }
            else problems.Add($"CUDA {Label(major)}: {string.Join(", ", missing)} not found");
            foreach (var (h, _) in handles.Values) NativeLibrary.Free(h);
        }
        return (null, $"{string.Join("; ", problems)} (looked in the loader's paths and {string.Join(", ", folders)})");
    }

    private static string Label(string major) => major.Length > 0 ? major : "(unversioned)";

    private readonly List<string> _missingExports = [];

    private nint Export(nint library, string name, bool optional = false)
    {
        if (NativeLibrary.TryGetExport(library, name, out var address)) return address;
        if (!optional) _missingExports.Add(name);
        return 0;
    }

    private CudaApi(string major, Dictionary<string, (nint Handle, string Path)> libs)
    {
        Major = major;
        _paths = libs.ToDictionary(kv => kv.Key, kv => kv.Value.Path);
        var rt = libs["libcudart"].Handle;
        GetDeviceCount = (delegate* unmanaged<int*, int>)Export(rt, "cudaGetDeviceCount");
        SetDevice = (delegate* unmanaged<int, int>)Export(rt, "cudaSetDevice");
        DeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)Export(rt, "cudaDeviceGetAttribute");
        StreamCreateWithFlags = (delegate* unmanaged<nint*, uint, int>)Export(rt, "cudaStreamCreateWithFlags");
        StreamDestroy = (delegate* unmanaged<nint, int>)Export(rt, "cudaStreamDestroy");
        StreamSynchronize = (delegate* unmanaged<nint, int>)Export(rt, "cudaStreamSynchronize");
        StreamGetFlags = (delegate* unmanaged<nint, uint*, int>)Export(rt, "cudaStreamGetFlags");
        Malloc = (delegate* unmanaged<nint*, nuint, int>)Export(rt, "cudaMalloc");
        Free = (delegate* unmanaged<nint, int>)Export(rt, "cudaFree");
        MemsetAsync = (delegate* unmanaged<nint, int, nuint, nint, int>)Export(rt, "cudaMemsetAsync");
        MemcpyAsync = (delegate* unmanaged<nint, nint, nuint, int, nint, int>)Export(rt, "cudaMemcpyAsync");
        Memcpy2DAsync = (delegate* unmanaged<nint, nuint, nint, nuint, nuint, nuint, int, nint, int>)Export(rt, "cudaMemcpy2DAsync");
        GetErrorString = (delegate* unmanaged<int, nint>)Export(rt, "cudaGetErrorString");
        GetErrorName = (delegate* unmanaged<int, nint>)Export(rt, "cudaGetErrorName");
        RuntimeGetVersion = (delegate* unmanaged<int*, int>)Export(rt, "cudaRuntimeGetVersion");
        DriverGetVersion = (delegate* unmanaged<int*, int>)Export(rt, "cudaDriverGetVersion");

        var jpeg = libs["libnvjpeg"].Handle;
        NvJpegGetProperty = (delegate* unmanaged<int, int*, int>)Export(jpeg, "nvjpegGetProperty");
        NvJpegCreateEx = (delegate* unmanaged<int, nint, nint, uint, nint*, int>)Export(jpeg, "nvjpegCreateEx");
        NvJpegDestroy = (delegate* unmanaged<nint, int>)Export(jpeg, "nvjpegDestroy");
        NvJpegJpegStateCreate = (delegate* unmanaged<nint, nint*, int>)Export(jpeg, "nvjpegJpegStateCreate");
        NvJpegJpegStateDestroy = (delegate* unmanaged<nint, int>)Export(jpeg, "nvjpegJpegStateDestroy");
        NvJpegGetImageInfo = (delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int>)Export(jpeg, "nvjpegGetImageInfo");
        NvJpegDecode = (delegate* unmanaged<nint, nint, byte*, nuint, int, NvJpegImage*, nint, int>)Export(jpeg, "nvjpegDecode");
        NvJpegDecodeBatchedInitialize = (delegate* unmanaged<nint, nint, int, int, int, int>)Export(jpeg, "nvjpegDecodeBatchedInitialize");
        NvJpegDecodeBatched = (delegate* unmanaged<nint, nint, byte**, nuint*, NvJpegImage*, nint, int>)Export(jpeg, "nvjpegDecodeBatched");
        NvJpegJpegStreamCreate = (delegate* unmanaged<nint, nint*, int>)Export(jpeg, "nvjpegJpegStreamCreate");
        NvJpegJpegStreamDestroy = (delegate* unmanaged<nint, int>)Export(jpeg, "nvjpegJpegStreamDestroy");
        NvJpegJpegStreamParseHeader = (delegate* unmanaged<nint, byte*, nuint, nint, int>)Export(jpeg, "nvjpegJpegStreamParseHeader");
        NvJpegDecodeBatchedSupported = (delegate* unmanaged<nint, nint, int*, int>)Export(jpeg, "nvjpegDecodeBatchedSupported");
        NvJpegGetHardwareDecoderInfo = (delegate* unmanaged<nint, uint*, uint*, int>)Export(jpeg, "nvjpegGetHardwareDecoderInfo", optional: true);

        // Only for reporting the version: optional.
        NppGetLibVersion = (delegate* unmanaged<NppLibraryVersion*>)Export(libs["libnppc"].Handle, "nppGetLibVersion", optional: true);
        NppiResize8uC3RCtx = (delegate* unmanaged<byte*, int, NppiSize, NppiRect, byte*, int, NppiSize, NppiRect, int, NppStreamContext, int>)
            Export(libs["libnppig"].Handle, "nppiResize_8u_C3R_Ctx");
    }

    // CUDA runtime (cudaError_t is an int; cudaStream_t a pointer).
    public readonly delegate* unmanaged<int*, int> GetDeviceCount;
    public readonly delegate* unmanaged<int, int> SetDevice;
    public readonly delegate* unmanaged<int*, int, int, int> DeviceGetAttribute;
    public readonly delegate* unmanaged<nint*, uint, int> StreamCreateWithFlags;
    public readonly delegate* unmanaged<nint, int> StreamDestroy;
    public readonly delegate* unmanaged<nint, int> StreamSynchronize;
    public readonly delegate* unmanaged<nint, uint*, int> StreamGetFlags;
    public readonly delegate* unmanaged<nint*, nuint, int> Malloc;
    public readonly delegate* unmanaged<nint, int> Free;
    public readonly delegate* unmanaged<nint, int, nuint, nint, int> MemsetAsync;
    public readonly delegate* unmanaged<nint, nint, nuint, int, nint, int> MemcpyAsync;
    public readonly delegate* unmanaged<nint, nuint, nint, nuint, nuint, nuint, int, nint, int> Memcpy2DAsync;
    public readonly delegate* unmanaged<int, nint> GetErrorString;
    public readonly delegate* unmanaged<int, nint> GetErrorName;
    public readonly delegate* unmanaged<int*, int> RuntimeGetVersion;
    public readonly delegate* unmanaged<int*, int> DriverGetVersion;

    // nvJPEG (nvjpegStatus_t is an int; handles are pointers).
    public readonly delegate* unmanaged<int, int*, int> NvJpegGetProperty;
    public readonly delegate* unmanaged<int, nint, nint, uint, nint*, int> NvJpegCreateEx;
    public readonly delegate* unmanaged<nint, int> NvJpegDestroy;
    public readonly delegate* unmanaged<nint, nint*, int> NvJpegJpegStateCreate;
    public readonly delegate* unmanaged<nint, int> NvJpegJpegStateDestroy;
    public readonly delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int> NvJpegGetImageInfo;
    public readonly delegate* unmanaged<nint, nint, byte*, nuint, int, NvJpegImage*, nint, int> NvJpegDecode;
    public readonly delegate* unmanaged<nint, nint, int, int, int, int> NvJpegDecodeBatchedInitialize;
    public readonly delegate* unmanaged<nint, nint, byte**, nuint*, NvJpegImage*, nint, int> NvJpegDecodeBatched;
    public readonly delegate* unmanaged<nint, nint*, int> NvJpegJpegStreamCreate;
    public readonly delegate* unmanaged<nint, int> NvJpegJpegStreamDestroy;
    public readonly delegate* unmanaged<nint, byte*, nuint, nint, int> NvJpegJpegStreamParseHeader;
    public readonly delegate* unmanaged<nint, nint, int*, int> NvJpegDecodeBatchedSupported;
    /// <summary>Engines and cores of the hardware decoder (nvJPEG 11.6+); null where the library lacks it.</summary>
    public readonly delegate* unmanaged<nint, uint*, uint*, int> NvJpegGetHardwareDecoderInfo;

    /// <summary>
    /// A handle on nvJPEG's hardware decoder, or null with nvJPEG's reason: nvjpegCreateEx refuses the backend on GPUs
    /// without the engine (NVJPEG_STATUS_ARCH_MISMATCH), and a handle that reports no engines is not kept.
    /// </summary>
    public (nint Handle, string? Problem, string? Engines) CreateHardwareHandle()
    {
        nint handle;
        var status = NvJpegCreateEx(CudaConst.BackendHardware, 0, 0, 0, &handle);
        if (status != 0) return (0, NvJpegStatusName(status), null);
        if (NvJpegGetHardwareDecoderInfo == null) return (handle, null, null);
        uint engines, cores;
        status = NvJpegGetHardwareDecoderInfo(handle, &engines, &cores);
        if (status == 0 && engines > 0) return (handle, null, $"{engines} engine(s) of {cores} core(s)");
        NvJpegDestroy(handle);
        return (0, status == 0 ? "the hardware decoder reports no engines" : NvJpegStatusName(status), null);
    }

    // NPP (NppStatus is an int: negative errors, positive warnings).
    public readonly delegate* unmanaged<NppLibraryVersion*> NppGetLibVersion;
    public readonly delegate* unmanaged<byte*, int, NppiSize, NppiRect, byte*, int, NppiSize, NppiRect, int, NppStreamContext, int> NppiResize8uC3RCtx;

    /// <summary>
    /// The one place a status is checked: zero (and NPP's positive warnings, which report slower paths, not failures)
    /// passes; anything else throws <see cref="GpuDecodeException"/> with the library's name for it.
    /// </summary>
    public void Verify(GpuLibrary library, int status, string call)
    {
        if (status == 0 || (library == GpuLibrary.Npp && status > 0)) return;
        throw new GpuDecodeException(library, call, status, StatusText(library, status));
    }

    public void Cuda(int status, string call) => Verify(GpuLibrary.CudaRuntime, status, call);
    public void Jpeg(int status, string call) => Verify(GpuLibrary.NvJpeg, status, call);
    public void Npp(int status, string call) => Verify(GpuLibrary.Npp, status, call);

    public string StatusText(GpuLibrary library, int status) => library switch
    {
        GpuLibrary.CudaRuntime => $"{Marshal.PtrToStringUTF8(GetErrorName(status))}: {Marshal.PtrToStringUTF8(GetErrorString(status))}",
        GpuLibrary.NvJpeg => NvJpegStatusName(status),
        _ => NppStatusName(status),
    };

    /// <summary>nvJPEG has no function for its status texts; these are nvjpegStatus_t's names.</summary>
    internal static string NvJpegStatusName(int status) => status switch
    {
        1 => "NVJPEG_STATUS_NOT_INITIALIZED",
        2 => "NVJPEG_STATUS_INVALID_PARAMETER",
        3 => "NVJPEG_STATUS_BAD_JPEG",
        4 => "NVJPEG_STATUS_JPEG_NOT_SUPPORTED",
        5 => "NVJPEG_STATUS_ALLOCATOR_FAILURE",
        6 => "NVJPEG_STATUS_EXECUTION_FAILED",
        7 => "NVJPEG_STATUS_ARCH_MISMATCH",
        8 => "NVJPEG_STATUS_INTERNAL_ERROR",
        9 => "NVJPEG_STATUS_IMPLEMENTATION_NOT_SUPPORTED",
        10 => "NVJPEG_STATUS_INCOMPLETE_BITSTREAM",
        _ => $"nvjpegStatus_t {status}",
    };

    /// <summary>NPP has no function for its status texts; these are NppStatus's names for the errors a resize can give.</summary>
    internal static string NppStatusName(int status) => status switch
    {
        -1000 => "NPP_CUDA_KERNEL_EXECUTION_ERROR",
        -1002 => "NPP_ALIGNMENT_ERROR",
        -1020 => "NPP_WRONG_INTERSECTION_ROI_ERROR",
        -1027 => "NPP_NOT_SUFFICIENT_COMPUTE_CAPABILITY",
        -1031 => "NPP_INVALID_DEVICE_POINTER_ERROR",
        -201 => "NPP_RESIZE_NO_OPERATION_ERROR",
        -57 => "NPP_RECTANGLE_ERROR",
        -37 => "NPP_STRIDE_ERROR",
        -23 => "NPP_RESIZE_FACTOR_ERROR",
        -22 => "NPP_INTERPOLATION_ERROR",
        -14 => "NPP_STEP_ERROR",
        -9 => "NPP_MEMORY_ALLOCATION_ERR",
        -8 => "NPP_NULL_POINTER_ERROR",
        -6 => "NPP_SIZE_ERROR",
        -5 => "NPP_BAD_ARGUMENT_ERROR",
        -4 => "NPP_NO_MEMORY_ERROR",
        -3 => "NPP_NOT_IMPLEMENTED_ERROR",
        -2 => "NPP_ERROR",
        -9999 => "NPP_NOT_SUPPORTED_MODE_ERROR",
        _ => $"NppStatus {status}",
    };
}
