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
/// Which ONNX Runtime execution providers this process has, and how a requested device maps onto them. A provider is
/// either compiled into the loaded ONNX Runtime (the GPU NuGet package) or a provider library beside wanwu that ONNX
/// Runtime loads as a plugin (the build of scripts/fetch-gpu-runtime.sh: a CPU core with CUDA/TensorRT libraries).
/// </summary>
internal static class ExecutionProviders
{
    public const string Cpu = "CPUExecutionProvider";
    public const string Cuda = "CUDAExecutionProvider";
    public const string TensorRt = "TensorrtExecutionProvider";

    private static readonly (string Provider, string File)[] PluginFiles =
        [(Cuda, "libonnxruntime_providers_cuda.so"), (TensorRt, "libonnxruntime_providers_tensorrt.so")];

    private static readonly Lazy<(HashSet<string> Available, Dictionary<string, string> Failures)> Loaded = new(Load);

    /// <summary>Providers this process can use: compiled in, or loaded from a provider library.</summary>
    public static IReadOnlySet<string> Available => Loaded.Value.Available;

    /// <summary>Why a provider library beside wanwu could not be loaded (a CUDA library missing, say), by provider.</summary>
    public static IReadOnlyDictionary<string, string> LoadFailures => Loaded.Value.Failures;

    /// <summary>Written beside the provider libraries by scripts/fetch-gpu-runtime.sh: the ONNX Runtime version they belong to.</summary>
    public const string VersionFile = "onnxruntime-providers.version";

    /// <summary>
    /// Null when the provider libraries in <paramref name="dir"/> belong to ONNX Runtime <paramref name="coreVersion"/>;
    /// else why they must not be loaded: one of another version crashes the process (seen: a 1.29 CUDA library left
    /// beside a 1.31 CPU build, a segmentation fault at the first session).
    /// </summary>
    public static string? PluginMismatch(string dir, string coreVersion)
    {
        var marker = Path.Combine(dir, VersionFile);
        var version = File.Exists(marker) ? File.ReadAllText(marker).Trim() : null;
        return version == coreVersion ? null
            : $"the provider libraries in {dir} are for ONNX Runtime {version ?? "an unknown version"} ({VersionFile}), this is {coreVersion}; rebuild with -p:OnnxRuntimeGpu (docs/gpu.md)";
    }

    private static (HashSet<string>, Dictionary<string, string>) Load()
    {
        var env = OrtEnv.Instance();
        var available = new HashSet<string>(env.GetAvailableProviders());
        var failures = new Dictionary<string, string>();
        var dir = AppContext.BaseDirectory;
        var mismatch = PluginMismatch(dir, env.GetVersionString());
        foreach (var (provider, file) in PluginFiles)
        {
            var path = Path.Combine(dir, file);
            if (available.Contains(provider) || !File.Exists(path)) continue;
            if (mismatch is not null)
            {
                failures[provider] = mismatch;
                continue;
            }
            try
            {
                env.RegisterExecutionProviderLibrary(provider, path);
            }
            catch (OnnxRuntimeException e)
            {
                failures[provider] = e.Message;
            }
        }
        // A loaded library offers a provider only where it found its hardware (an NVIDIA GPU for CUDA).
        available.UnionWith(env.GetEpDevices().Select(d => d.EpName));
        return (available, failures);
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
            : $"{requested} requested, but this ONNX Runtime has no {what} provider; running on the CPU (install ONNX Runtime's GPU build to use a GPU (docs/gpu.md))";
        return requested.Kind switch
        {
            DeviceKind.Auto => available.Contains(Cuda) ? (new DeviceSpec(DeviceKind.Cuda, requested.Id), null) : (new DeviceSpec(DeviceKind.Cpu), null),
            DeviceKind.Cuda when !available.Contains(Cuda) => (new DeviceSpec(DeviceKind.Cpu), Missing(Cuda, "CUDA")),
            DeviceKind.TensorRt when !available.Contains(TensorRt) => (new DeviceSpec(DeviceKind.Cpu), Missing(TensorRt, "TensorRT")),
            _ => (requested, null),
        };
    }

    /// <summary>Adds the provider for <paramref name="device"/> to the session options; the CPU provider is always there as the fallback.</summary>
    public static void Apply(SessionOptions options, DeviceSpec device)
    {
        switch (device.Kind)
        {
            case DeviceKind.Cuda:
                Append(options, Cuda, device.Id, () => options.AppendExecutionProvider_CUDA(device.Id));
                break;
            case DeviceKind.TensorRt:
                Append(options, TensorRt, device.Id, () => options.AppendExecutionProvider_Tensorrt(device.Id));
                Append(options, Cuda, device.Id, () => options.AppendExecutionProvider_CUDA(device.Id));
                break;
        }
    }

    private static void Append(SessionOptions options, string provider, int id, Action compiledIn)
    {
        var env = OrtEnv.Instance();
        if (env.GetAvailableProviders().Contains(provider))
        {
            compiledIn();
            return;
        }
        // A plugin library lists one device per GPU, in the order CUDA numbers them.
        var devices = env.GetEpDevices().Where(d => d.EpName == provider).ToList();
        if (id >= devices.Count)
            throw new ModelLoadException($"GPU {id} does not exist: {provider} sees {devices.Count} GPU(s), numbered from 0");
        options.AppendExecutionProvider(env, [devices[id]], new Dictionary<string, string>());
    }

    /// <summary>
    /// The memory of CUDA GPU <paramref name="id"/> as the session's execution provider knows it: a plugin provider's
    /// device carries its own (vendor and device ids included), which tensors bound on the device must match.
    /// </summary>
    public static OrtMemoryInfo CudaMemory(int id)
    {
        var env = OrtEnv.Instance();
        if (!env.GetAvailableProviders().Contains(Cuda)
            && env.GetEpDevices().Where(d => d.EpName == Cuda).ElementAtOrDefault(id) is { } device)
            return device.GetMemoryInfo(OrtDeviceMemoryType.DEFAULT);
        return new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, id, OrtMemType.Default);
    }

    public static string Name(DeviceSpec device) => device.Kind switch
    {
        DeviceKind.Cuda => $"{Cuda}:{device.Id}",
        DeviceKind.TensorRt => $"{TensorRt}:{device.Id}",
        _ => Cpu,
    };
}
