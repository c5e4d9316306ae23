using System.Runtime.InteropServices;

namespace Wanwu.Decode.Gpu;

// C structures passed to nvJPEG and NPP, laid out as in nvjpeg.h and nppdefs.h (CUDA 12 and 13, 64-bit).

/// <summary>nvjpegImage_t: up to four output planes; interleaved RGB (NVJPEG_OUTPUT_RGBI) uses plane 0 only.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvJpegImage
{
    public nint Channel0, Channel1, Channel2, Channel3;
    public nuint Pitch0, Pitch1, Pitch2, Pitch3;
}

/// <summary>NppiSize.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NppiSize(int width, int height)
{
    public int Width = width, Height = height;
}

/// <summary>NppiRect.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NppiRect(int x, int y, int width, int height)
{
    public int X = x, Y = y, Width = width, Height = height;
}

/// <summary>NppStreamContext: the stream NPP runs on and the device facts it would otherwise query on every call (48 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NppStreamContext
{
    public nint Stream;
    public int DeviceId;
    public int MultiProcessorCount;
    public int MaxThreadsPerMultiProcessor;
    public int MaxThreadsPerBlock;
    public nuint SharedMemPerBlock;
    public int ComputeCapabilityMajor;
    public int ComputeCapabilityMinor;
    public uint StreamFlags;
    public int Reserved0;
}

/// <summary>NppLibraryVersion.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NppLibraryVersion
{
    public int Major, Minor, Build;
}

/// <summary>Constants from the CUDA headers that the decoder uses.</summary>
internal static class CudaConst
{
    public const uint StreamNonBlocking = 1;
    public const int MemcpyHostToDevice = 1, MemcpyDeviceToHost = 2, MemcpyDeviceToDevice = 3;
    // cudaDeviceAttr
    public const int AttrMaxThreadsPerBlock = 1, AttrMaxSharedMemoryPerBlock = 8, AttrMultiProcessorCount = 16,
        AttrMaxThreadsPerMultiProcessor = 39, AttrComputeCapabilityMajor = 75, AttrComputeCapabilityMinor = 76;

    // nvjpegBackend_t, nvjpegOutputFormat_t, libraryPropertyType
    public const int BackendDefault = 0, BackendHardware = 3;
    public const int OutputRgbInterleaved = 5;
    public const int PropertyMajor = 0, PropertyMinor = 1, PropertyPatch = 2;

    // NppiInterpolationMode
    public const int InterLinear = 2, InterSuper = 8;
}
