using System.CommandLine;
using Microsoft.ML.OnnxRuntime;
using Wanwu.Backends;

namespace Wanwu.Cli.Commands;

/// <summary><c>wanwu devices</c>: what <c>--device</c> can name here, and why a GPU provider is missing if one is.</summary>
public static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the execution providers and devices this ONNX Runtime can use");
        command.SetAction(_ =>
        {
            Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
            Console.WriteLine($"providers: {string.Join(", ", ExecutionProviders.Available.Order())}");
            foreach (var d in OrtEnv.Instance().GetEpDevices())
            {
                var hw = d.HardwareDevice;
                var meta = hw.Metadata.Entries.Concat(d.EpMetadata.Entries).Concat(d.EpOptions.Entries).Select(kv => $"{kv.Key}={kv.Value}");
                Console.WriteLine($"device: {d.EpName} on {hw.Type} {hw.Vendor} (device id 0x{hw.DeviceId:x4}) {string.Join(" ", meta)}");
            }
            foreach (var (provider, why) in ExecutionProviders.LoadFailures) Console.WriteLine($"not loaded: {provider}: {why}");
            if (CudaLibraryPath.Found is { } folder) Console.WriteLine($"CUDA libraries: {folder} (found by wanwu, added to the loader's path)");
            Console.WriteLine($"JPEG decoding on the GPU (nvJPEG): {Wanwu.Decode.Gpu.GpuDecodeSupport.Probe().Summary}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
