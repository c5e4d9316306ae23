using Microsoft.ML.OnnxRuntime;

namespace Wanwu.Backends;

/// <summary>Where a session runs.</summary>
public enum DeviceKind { Auto, Cpu, Cuda, TensorRt }

/// <summary>A device as the user names it: <c>auto</c>, <c>cpu</c>, <c>cuda[:N]</c>, <c>tensorrt[:N]</c>, or a bare GPU number.</summary>
public readonly record struct DeviceSpec(DeviceKind Kind, int Id = 0)
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

/// <summary>Which ONNX Runtime execution providers this process has, and how a requested device maps onto them.</summary>
public static class ExecutionProviders
{
    public const string Cpu = "CPUExecutionProvider";
    public const string Cuda = "CUDAExecutionProvider";
    public const string TensorRt = "TensorrtExecutionProvider";

    /// <summary>Providers compiled into the ONNX Runtime that was loaded (the CPU package has only the CPU one).</summary>
    public static IReadOnlySet<string> Available { get; } = new HashSet<string>(OrtEnv.Instance().GetAvailableProviders());

    /// <summary>
    /// The device that will really be used for <paramref name="requested"/>, and a note for the user when it is not what
    /// they asked for. <c>auto</c> takes CUDA when the runtime has it, else the CPU.
    /// </summary>
    public static (DeviceSpec Device, string? Note) Resolve(DeviceSpec requested, IReadOnlySet<string>? available = null)
    {
        available ??= Available;
        const string hint = "install ONNX Runtime's GPU build to use a GPU (docs/gpu.md)";
        return requested.Kind switch
        {
            DeviceKind.Auto => available.Contains(Cuda) ? (new DeviceSpec(DeviceKind.Cuda, requested.Id), null) : (new DeviceSpec(DeviceKind.Cpu), null),
            DeviceKind.Cuda when !available.Contains(Cuda) => (new DeviceSpec(DeviceKind.Cpu), $"{requested} requested, but this ONNX Runtime has no CUDA provider; running on the CPU ({hint})"),
            DeviceKind.TensorRt when !available.Contains(TensorRt) => (new DeviceSpec(DeviceKind.Cpu), $"{requested} requested, but this ONNX Runtime has no TensorRT provider; running on the CPU ({hint})"),
            _ => (requested, null),
        };
    }

    /// <summary>Adds the provider for <paramref name="device"/> to the session options; the CPU provider is always there as the fallback.</summary>
    public static void Apply(SessionOptions options, DeviceSpec device)
    {
        switch (device.Kind)
        {
            case DeviceKind.Cuda: options.AppendExecutionProvider_CUDA(device.Id); break;
            case DeviceKind.TensorRt:
                options.AppendExecutionProvider_Tensorrt(device.Id);
                options.AppendExecutionProvider_CUDA(device.Id);
                break;
        }
    }

    public static string Name(DeviceSpec device) => device.Kind switch
    {
        DeviceKind.Cuda => $"{Cuda}:{device.Id}",
        DeviceKind.TensorRt => $"{TensorRt}:{device.Id}",
        _ => Cpu,
    };
}
