using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Wanwu.Backends;

/// <summary>Where a session runs.</summary>
internal enum DeviceKind { Auto, Cpu, Cuda, TensorRt }

/// <summary>A device as the user names it: <c>auto</c>, <c>cpu</c>, <c>cuda[:N]</c>, <c>tensorrt[:N]</c>, or a bare GPU number.</summary>
internal readonly record struct DeviceSpec(DeviceKind Kind, int Id = 0)
{
    public static DeviceSpec Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        var parts = t.Split(':', 2);
        var id = parts.Length == 2 && int.TryParse(parts[1], out var n) && n >= 0 ? n : parts.Length == 2 ? throw Bad(text) : 0;
        return parts[0] switch
        {
            "auto" => new(DeviceKind.Auto, id),
            "cpu" => new(DeviceKind.Cpu),
            "cuda" or "gpu" => new(DeviceKind.Cuda, id),
            "tensorrt" or "trt" => new(DeviceKind.TensorRt, id),
            var s when int.TryParse(s, out var gpu) && gpu >= 0 => new(DeviceKind.Cuda, gpu),
            _ => throw Bad(text),
        };
    }

    /// <summary>Parses a comma-separated list such as <c>cuda:0,cuda:1</c> or <c>0,1</c>.</summary>
    public static IReadOnlyList<DeviceSpec> ParseList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToList();

    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.Auto => "auto",
        DeviceKind.Cuda => $"cuda:{Id}",
        _ => $"tensorrt:{Id}",
    };

    private static ArgumentException Bad(string text) => new($"'{text}' is not a device (auto, cpu, cuda[:N], tensorrt[:N])");
}

/// <summary>
/// Which ONNX Runtime execution providers this process can use, and how a requested device maps onto them. The GPU
/// build (scripts/build-gpu.sh: ONNX Runtime's GPU package) lists CUDA and TensorRT whatever the machine has, so each is
/// checked here: its library beside wanwu loads (the CUDA libraries it names are found) and a GPU answers.
/// </summary>
internal static class ExecutionProviders
{
    public const string Cpu = "CPUExecutionProvider";
    public const string Cuda = "CUDAExecutionProvider";
    public const string TensorRt = "TensorrtExecutionProvider";

    private static readonly (string Provider, string File)[] ProviderFiles =
        [(Cuda, "libonnxruntime_providers_cuda.so"), (TensorRt, "libonnxruntime_providers_tensorrt.so")];

    private static readonly Lazy<(HashSet<string> Available, Dictionary<string, string> Failures)> Loaded = new(Load);

    /// <summary>Providers this process can use.</summary>
    public static IReadOnlySet<string> Available => Loaded.Value.Available;

    /// <summary>Why a provider of this build cannot be used here (a CUDA library missing, no GPU), by provider.</summary>
    public static IReadOnlyDictionary<string, string> LoadFailures => Loaded.Value.Failures;

    private static (HashSet<string>, Dictionary<string, string>) Load()
    {
        var available = new HashSet<string>(OrtEnv.Instance().GetAvailableProviders());
        var failures = new Dictionary<string, string>();
        foreach (var (provider, file) in ProviderFiles)
        {
            if (!available.Contains(provider)) continue;
            if (Unusable(Path.Combine(AppContext.BaseDirectory, file)) is { } why)
            {
                available.Remove(provider);
                failures[provider] = why;
            }
        }
        return (available, failures);
    }

    /// <summary>
    /// The CUDA libraries the GPU package's CUDA provider names (its DT_NEEDED entries, ONNX Runtime 1.31 for CUDA 13),
    /// found by the loader by name: loading the provider itself to find out would need ONNX Runtime's shared provider
    /// library loaded first, as ONNX Runtime does.
    /// </summary>
    internal static readonly string[] CudaProviderNeeds = ["libcudart.so.13", "libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10"];

    /// <summary>Why the provider library at <paramref name="path"/> cannot serve (a CUDA library missing, no GPU), or null.</summary>
    private static unsafe string? Unusable(string path)
    {
        if (!File.Exists(path)) return $"its library {Path.GetFileName(path)} is not beside wanwu";
        if (!path.EndsWith("_cuda.so", StringComparison.Ordinal)) return null;
        var handles = new List<nint>();
        try
        {
            foreach (var library in CudaProviderNeeds)
            {
                if (!NativeLibrary.TryLoad(library, out var handle))
                    return $"{library} is not found (the CUDA 13 toolkit's libraries: in the loader's path, $CUDA_HOME or /usr/local/cuda*)";
                handles.Add(handle);
            }
            if (!NativeLibrary.TryLoad("libcudnn.so.9", out var cudnn)) return "libcudnn.so.9 (cuDNN 9) is not found by the loader";
            handles.Add(cudnn);
            if (!NativeLibrary.TryGetExport(handles[0], "cudaGetDeviceCount", out var export)) return null;
            int count;
            var status = ((delegate* unmanaged<int*, int>)export)(&count);
            return status != 0 || count == 0 ? "no NVIDIA GPU answers here (cudaGetDeviceCount found none)" : null;
        }
        finally
        {
            foreach (var h in handles) NativeLibrary.Free(h);
        }
    }

    /// <summary>
    /// The device that will really be used for <paramref name="requested"/>, and a note for the user when it is not what
    /// they asked for. <c>auto</c> takes CUDA when the runtime has it, else the CPU.
    /// </summary>
    public static (DeviceSpec Device, string? Note) Resolve(DeviceSpec requested, IReadOnlySet<string>? available = null,
        IReadOnlyDictionary<string, string>? failures = null)
    {
        available ??= Available;
        failures ??= LoadFailures;
        string Missing(string provider, string what) => failures.TryGetValue(provider, out var why)
            ? $"{requested} requested, but ONNX Runtime could not load its {what} provider ({why}); running on the CPU (docs/gpu.md lists what it needs)"
            : $"{requested} requested, but this is wanwu's CPU build, without ONNX Runtime's {what} provider; running on the CPU (scripts/build-gpu.sh builds wanwu for NVIDIA GPUs: docs/gpu.md)";
        return requested.Kind switch
        {
            DeviceKind.Auto => available.Contains(Cuda) ? (new DeviceSpec(DeviceKind.Cuda, requested.Id), null) : (new DeviceSpec(DeviceKind.Cpu), null),
            DeviceKind.Cuda when !available.Contains(Cuda) => (new DeviceSpec(DeviceKind.Cpu), Missing(Cuda, "CUDA")),
            DeviceKind.TensorRt when !available.Contains(TensorRt) => (new DeviceSpec(DeviceKind.Cpu), Missing(TensorRt, "TensorRT")),
            _ => (requested, null),
        };
    }

    /// <summary>Adds the provider for <paramref name="device"/> to the session options; the CPU provider is always there as the fallback.</summary>
    /// <param name="options">The session's options.</param>
    /// <param name="device">Where the session runs.</param>
    /// <param name="shapesVary">Whether inputs come in many shapes (OCR's crops), rather than one batch shape kept all run long.</param>
    public static void Apply(SessionOptions options, DeviceSpec device, bool shapesVary = false)
    {
        switch (device.Kind)
        {
            case DeviceKind.Cuda:
                AppendCuda(options, device.Id, shapesVary);
                break;
            case DeviceKind.TensorRt:
                options.AppendExecutionProvider_Tensorrt(device.Id);
                AppendCuda(options, device.Id, shapesVary);
                break;
        }
    }

    /// <summary>
    /// The CUDA provider's settings: ONNX Runtime's defaults, then whatever <c>WANWU_CUDA_OPTIONS</c> sets
    /// (<c>key=value;key=value</c>, ONNX Runtime's CUDA provider option names). NHWC convolutions (<c>prefer_nhwc=1</c>)
    /// were measured and not chosen: ResNeSt-101 on an H100 ran 2,032 img/s in float16 with them, 2,103 without.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> CudaOptions { get; } = ParseOptions(Environment.GetEnvironmentVariable("WANWU_CUDA_OPTIONS"));

    private static Dictionary<string, string> ParseOptions(string? text)
    {
        var options = new Dictionary<string, string>();
        foreach (var pair in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (pair.Split('=', 2) is [var key, var value]) options[key.Trim()] = value.Trim();
        return options;
    }

    private static void AppendCuda(SessionOptions options, int id, bool shapesVary)
    {
        using var cuda = new OrtCUDAProviderOptions();
        var settings = new Dictionary<string, string>(CudaOptions) { ["device_id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        // cuDNN's exhaustive kernel search runs once per input shape: it pays for a batch shape kept all run long, not
        // where each image brings its own (OCR on an H100: 1.4 img/s with it, 8.2 with the heuristic choice).
        if (shapesVary) settings.TryAdd("cudnn_conv_algo_search", "HEURISTIC");
        cuda.UpdateOptions(settings);
        options.AppendExecutionProvider_CUDA(cuda);
    }

    /// <summary>The memory of CUDA GPU <paramref name="id"/>, where tensors bound on the device live.</summary>
    public static OrtMemoryInfo CudaMemory(int id) => new(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, id, OrtMemType.Default);

    public static string Name(DeviceSpec device) => device.Kind switch
    {
        DeviceKind.Cuda => $"{Cuda}:{device.Id}",
        DeviceKind.TensorRt => $"{TensorRt}:{device.Id}",
        _ => Cpu,
    };
}
