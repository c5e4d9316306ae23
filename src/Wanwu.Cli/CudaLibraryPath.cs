using System.Runtime.InteropServices;
using Wanwu.Decode.Gpu;

namespace Wanwu.Cli;

/// <summary>
/// Lets the GPU build find the CUDA toolkit's libraries without the user setting <c>LD_LIBRARY_PATH</c>: ONNX Runtime's
/// CUDA provider names them (libcublasLt.so.13, …) and the loader looks for them only where LD_LIBRARY_PATH and
/// ld.so.cache say, which a toolkit under /usr/local/cuda-13.0 is often not. The loader reads LD_LIBRARY_PATH once, when
/// a process starts, so wanwu starts itself again with the toolkit's folder added, before anything is loaded.
/// </summary>
internal static class CudaLibraryPath
{
    private const string Provider = "libonnxruntime_providers_cuda.so";
    private const string Marker = "WANWU_CUDA_LIBRARY_PATH";
    private static readonly string[] Needed = Backends.ExecutionProviders.CudaProviderNeeds;

    /// <summary>The folder this process was started again with, or null.</summary>
    public static string? Found => Environment.GetEnvironmentVariable(Marker);

    /// <summary>Returns only when nothing needs doing (or it cannot be done); otherwise this process is replaced.</summary>
    public static void EnsureOrRestart()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Marker) is not null) return;
        if (!File.Exists(Path.Combine(AppContext.BaseDirectory, Provider))) return;   // the CPU build
        if (Needed.All(CanLoad)) return;
        var folder = CudaApi.SearchFolders().FirstOrDefault(f => Needed.All(n => File.Exists(Path.Combine(f, n))));
        if (folder is null) return;   // `wanwu devices` says what is missing
        // .NET keeps its own copy of the environment (setting a variable does not reach the C library's), so the new
        // process gets its environment spelt out.
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        env["LD_LIBRARY_PATH"] = env.TryGetValue("LD_LIBRARY_PATH", out var current) && current.Length > 0 ? folder + ":" + current : folder;
        env[Marker] = folder;
        // The same program with the same arguments, as the kernel started it (the apphost, or dotnet and wanwu.dll).
        var argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        Execve("/proc/self/exe", [.. argv, null], [.. env.Select(e => $"{e.Key}={e.Value}"), null]);
        // execve returns only when it failed: carry on, and the CUDA provider reports what it cannot load.
    }

    private static bool CanLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }

    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int Execve(string path, string?[] argv, string?[] envp);
}
