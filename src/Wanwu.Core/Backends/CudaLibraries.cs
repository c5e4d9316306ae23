using System.Runtime.InteropServices;

namespace Wanwu.Backends;

/// <summary>
/// Loads the CUDA libraries ONNX Runtime's CUDA provider links against (cudart, cuBLAS, cuFFT, cuDNN) from the CUDA
/// toolkit wherever it is installed, before the provider is registered: the dynamic loader then finds them by name
/// among the loaded libraries, so a GPU build of wanwu runs without LD_LIBRARY_PATH (as PyTorch finds its CUDA). A
/// library not found is left to the loader, whose own error then names it.
/// </summary>
internal static class CudaLibraries
{
    // Dependencies first: cuBLAS needs cuBLASLt, cuDNN's engines need cuDNN's core.
    private static readonly string[] Stems = ["libcudart", "libcublasLt", "libcublas", "libcufft", "libcurand", "libnvrtc", "libcudnn"];

    private static readonly Lazy<IReadOnlyList<string>> Loaded = new(Load);

    /// <summary>The libraries loaded, by path.</summary>
    public static IReadOnlyList<string> Preload() => Loaded.Value;

    private static IReadOnlyList<string> Load()
    {
        var loaded = new List<string>();
        // The system's library folder holds cuDNN on the machines seen (Debian's and NVIDIA's packages put it there).
        var folders = Decode.Gpu.CudaApi.SearchFolders().Append("/usr/lib/x86_64-linux-gnu").Where(Directory.Exists).ToList();
        foreach (var stem in Stems)
        {
            var file = folders.SelectMany(f => Directory.EnumerateFiles(f, stem + ".so.*"))
                .Where(f => Path.GetFileName(f).Count(c => c == '.') == 2)  // libx.so.N: the soname, not libx.so.N.M.K
                .OrderByDescending(f => f, StringComparer.Ordinal).FirstOrDefault();
            if (file is not null && NativeLibrary.TryLoad(file, out _)) loaded.Add(file);
        }
        return loaded;
    }
}
