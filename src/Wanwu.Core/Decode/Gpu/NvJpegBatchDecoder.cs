using System.Runtime.InteropServices;
using Wanwu.Sources;

namespace Wanwu.Decode.Gpu;

/// <summary>A file's bytes, read on the CPU, for the GPU decoder.</summary>
internal sealed record GpuJpeg(InputItem Item, byte[] Bytes);

/// <summary>One image of a batch: in its slot of the device batch (<see cref="Plan"/>), or left to the CPU (<see cref="Fallback"/>).</summary>
internal sealed record GpuDecodeResult(InputItem Item, GpuResizePlan? Plan, GpuFallback? Fallback)
{
    public bool OnGpu => Fallback is null;
    /// <summary>Original (upright) size, for the image's record.</summary>
    public (int Width, int Height) OriginalSize => Plan is { } p ? (p.SourceWidth, p.SourceHeight) : default;
}

/// <summary>
/// Decodes a batch of JPEGs on one GPU into a device buffer [MaxBatch, H, W, 3] of RGB bytes at the model's input size,
/// placed exactly as the CPU decoders place them (<see cref="Placement"/>), so boxes map back the same way. nvJPEG's
/// hardware decoder (A100, H100) takes the batch in one call where the GPU has one; elsewhere nvJPEG's default backend
/// decodes image by image. NPP resizes each image into its slot. Images the GPU should not decode (see
/// <see cref="GpuRouting"/>) or that nvJPEG rejects come back as fallbacks for the CPU path, whose pixels the caller may
/// <see cref="Upload"/> into their slots. Device memory is allocated once and reused; nothing here is thread-safe.
/// </summary>
/// <remarks>
/// nvJPEG calls per batch: nvjpegGetImageInfo for each file (its size must agree with the markers); on the hardware
/// backend nvjpegJpegStreamParseHeader and nvjpegDecodeBatchedSupported for each file, then
/// nvjpegDecodeBatchedInitialize (when the count grows: a shorter round is padded with a tiny JPEG instead) and one
/// nvjpegDecodeBatched (NVJPEG_OUTPUT_RGBI) per round of files that fit the decode buffer; on the default backend one nvjpegDecode per file. Then nppiResize_8u_C3R_Ctx
/// (and a cudaMemcpy2DAsync for a centre crop) per image, and one cudaStreamSynchronize per round.
/// </remarks>
internal sealed unsafe class NvJpegBatchDecoder : IDisposable
{
    private const long Alignment = 256;

    private readonly CudaApi _api;
    private readonly long _maxPixels;
    private readonly long _decodeLimit;
    private readonly nint _stream, _handle, _state, _jpegStream;
    private readonly NppStreamContext _npp;
    private readonly DeviceBuffer _batch, _decoded, _scratch, _fillerOut;
    private int _initializedCount = -1;

    /// <summary>
    /// Pads a round to the count nvJPEG's batched state was initialised for. Rounds vary (the CPU takes some JPEGs,
    /// PNGs and progressive files go to it), and re-initialising for each new count costs more than decoding a few
    /// 16×16 images. Null where the hardware decoder does not take it: then each new count re-initialises.
    /// </summary>
    private readonly byte[]? _filler;

    private const int FillerSide = 16;
    private bool _disposed;

    /// <param name="spec">Model input size and fit.</param>
    /// <param name="maxBatch">Most images per <see cref="Decode"/>; the device batch holds this many.</param>
    /// <param name="maxPixels">Files whose header claims more pixels go to the CPU, which refuses them.</param>
    /// <param name="deviceId">CUDA device.</param>
    /// <param name="useHardware">Use the hardware decoder where the GPU has one.</param>
    /// <param name="decodeBufferBytes">Device memory for full-size decoded images; a batch that needs more is decoded in rounds.</param>
    public NvJpegBatchDecoder(PreprocessSpec spec, int maxBatch, long maxPixels, int deviceId = 0, bool useHardware = true, long decodeBufferBytes = 1L << 30)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        var (api, problem) = CudaApi.Instance;
        _api = api ?? throw new GpuDecodeUnavailableException(problem!);
        (Spec, MaxBatch, DeviceId, _maxPixels, _decodeLimit) = (spec, maxBatch, deviceId, maxPixels, decodeBufferBytes);
        BytesPerImage = (long)spec.Width * spec.Height * 3;
        _batch = new DeviceBuffer(api, "the batch");
        _decoded = new DeviceBuffer(api, "decoded images");
        _scratch = new DeviceBuffer(api, "resized images");
        _fillerOut = new DeviceBuffer(api, "padding images");
        try
        {
            api.Cuda(api.SetDevice(deviceId), "cudaSetDevice");
            nint stream, handle = 0, state, jpegStream = 0;
            api.Cuda(api.StreamCreateWithFlags(&stream, CudaConst.StreamNonBlocking), "cudaStreamCreateWithFlags");
            _stream = stream;
            _npp = StreamContext(api, deviceId, stream);
            (handle, HardwareProblem, _) = useHardware ? api.CreateHardwareHandle() : (0, "not asked for", null);
            HardwareBackend = handle != 0;
            if (!HardwareBackend) api.Jpeg(api.NvJpegCreateEx(CudaConst.BackendDefault, 0, 0, 0, &handle), "nvjpegCreateEx");
            _handle = handle;
            api.Jpeg(api.NvJpegJpegStateCreate(handle, &state), "nvjpegJpegStateCreate");
            _state = state;
            if (HardwareBackend) api.Jpeg(api.NvJpegJpegStreamCreate(handle, &jpegStream), "nvjpegJpegStreamCreate");
            _jpegStream = jpegStream;
            _batch.Ensure(BytesPerImage * maxBatch);
            if (HardwareBackend)
            {
                // On the pinned heap: nvJPEG may read it after nvjpegDecodeBatched returns, as it reads the files.
                var filler = FillerJpeg();
                if (CheckWithNvJpeg(filler, FillerSide, FillerSide) is null)
                {
                    _filler = GC.AllocateArray<byte>(filler.Length, pinned: true);
                    filler.CopyTo(_filler, 0);
                    _fillerOut.Ensure((long)FillerSide * FillerSide * 3 * maxBatch);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public PreprocessSpec Spec { get; }
    public int MaxBatch { get; }
    public int DeviceId { get; }
    public long BytesPerImage { get; }

    /// <summary>True when nvJPEG's hardware decoder does the batches.</summary>
    public bool HardwareBackend { get; }

    /// <summary>Why the hardware decoder is not used (nvjpegCreateEx's status), or null when it is.</summary>
    public string? HardwareProblem { get; }

    /// <summary>
    /// The device batch: <see cref="MaxBatch"/> images of [H, W, 3] bytes, image i at <c>i * BytesPerImage</c>. The next
    /// <see cref="Decode"/> overwrites it: a pipeline that decodes while the model runs uses two decoders.
    /// </summary>
    public nint DeviceBatch => _batch.Pointer;

    /// <summary>
    /// Decodes <paramref name="images"/> into slots 0..n-1 of <see cref="DeviceBatch"/> and returns, per image in the
    /// same order, its plan or why it is left to the CPU. When this returns, the GPU's work is finished.
    /// </summary>
    public IReadOnlyList<GpuDecodeResult> Decode(IReadOnlyList<GpuJpeg> images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (images.Count > MaxBatch) throw new ArgumentException($"{images.Count} images, more than the decoder's batch of {MaxBatch}", nameof(images));
        _api.Cuda(_api.SetDevice(DeviceId), "cudaSetDevice");
        var results = new GpuDecodeResult?[images.Count];
        var plans = new GpuResizePlan[images.Count];
        var round = new List<int>();
        long used = 0;
        for (var i = 0; i < images.Count; i++)
        {
            var (plan, fallback) = GpuRouting.Route(images[i].Bytes, Spec, _maxPixels, HardwareBackend);
            fallback ??= CheckWithNvJpeg(images[i].Bytes, plan!.Value.SourceWidth, plan.Value.SourceHeight);
            var need = plan is { } p ? Align((long)p.SourceWidth * p.SourceHeight * 3) : 0;
            if (fallback is null && need > _decodeLimit)
                fallback = new GpuFallback(GpuFallbackReason.TooLargeForBuffer, $"{need >> 20} MiB decoded, more than the decode buffer's {_decodeLimit >> 20} MiB");
            if (fallback is not null)
            {
                results[i] = new GpuDecodeResult(images[i].Item, null, fallback);
                continue;
            }
            plans[i] = plan!.Value;
            if (used + need > _decodeLimit)
            {
                DecodeRound(round, images, plans, results);
                (round, used) = ([], 0);
            }
            round.Add(i);
            used += need;
        }
        if (round.Count > 0) DecodeRound(round, images, plans, results);
        return results.Select((r, i) => r ?? new GpuDecodeResult(images[i].Item, plans[i], null)).ToList();
    }

    /// <summary>Copies an image decoded on the CPU (RGB bytes at the input size) into slot <paramref name="index"/>.</summary>
    public void Upload(int index, ReadOnlySpan<byte> rgb)
    {
        var slot = Slot(index, rgb.Length);
        fixed (byte* p = rgb) _api.Cuda(_api.MemcpyAsync(slot, (nint)p, (nuint)rgb.Length, CudaConst.MemcpyHostToDevice, _stream), "cudaMemcpyAsync");
        Synchronize();
    }

    /// <summary>Copies slot <paramref name="index"/> back to the host (for checks; the model reads it on the device).</summary>
    public void Download(int index, Span<byte> rgb)
    {
        var slot = Slot(index, rgb.Length);
        fixed (byte* p = rgb) _api.Cuda(_api.MemcpyAsync((nint)p, slot, (nuint)rgb.Length, CudaConst.MemcpyDeviceToHost, _stream), "cudaMemcpyAsync");
        Synchronize();
    }

    /// <summary>Zeroes slot <paramref name="index"/>: padding rows of a fixed-batch model.</summary>
    public void Clear(int index)
    {
        _api.Cuda(_api.MemsetAsync(Slot(index, BytesPerImage), 0, (nuint)BytesPerImage, _stream), "cudaMemsetAsync");
        Synchronize();
    }

    private nint Slot(int index, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxBatch);
        if (length != BytesPerImage) throw new ArgumentException($"{length} bytes; an image of {Spec.Width}x{Spec.Height} RGB is {BytesPerImage}");
        _api.Cuda(_api.SetDevice(DeviceId), "cudaSetDevice");
        return _batch.Pointer + (nint)(index * BytesPerImage);
    }

    private void Synchronize() => _api.Cuda(_api.StreamSynchronize(_stream), "cudaStreamSynchronize");

    private static long Align(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    private static readonly string[] Subsamplings = ["4:4:4", "4:2:2", "4:2:0", "4:4:0", "4:1:1", "4:1:0", "grey", "4:1:0V"];

    /// <summary>nvJPEG's own reading of the header must agree with the markers, and the hardware decoder must take the file.</summary>
    private GpuFallback? CheckWithNvJpeg(byte[] file, int width, int height)
    {
        int components, subsampling, supported;
        var widths = stackalloc int[4];
        var heights = stackalloc int[4];
        try
        {
            fixed (byte* p = file)
            {
                _api.Jpeg(_api.NvJpegGetImageInfo(_handle, p, (nuint)file.Length, &components, &subsampling, widths, heights), "nvjpegGetImageInfo");
                if (components != 3 || widths[0] != width || heights[0] != height)
                    return new GpuFallback(GpuFallbackReason.NvJpegError, $"nvJPEG reads {widths[0]}x{heights[0]} with {components} components, the markers {width}x{height}");
                if (!HardwareBackend) return null;
                _api.Jpeg(_api.NvJpegJpegStreamParseHeader(_handle, p, (nuint)file.Length, _jpegStream), "nvjpegJpegStreamParseHeader");
                _api.Jpeg(_api.NvJpegDecodeBatchedSupported(_handle, _jpegStream, &supported), "nvjpegDecodeBatchedSupported");
            }
        }
        catch (GpuDecodeException e) when (e.Library == GpuLibrary.NvJpeg)
        {
            return new GpuFallback(GpuFallbackReason.NvJpegError, e.Message);
        }
        var css = (uint)subsampling < Subsamplings.Length ? Subsamplings[subsampling] : $"subsampling {subsampling}";
        return supported == 0 ? null
            : new GpuFallback(GpuFallbackReason.HardwareUnsupported, $"the hardware decoder does not take this file ({css}; progressive files and 4:1:1/4:1:0 are not taken)");
    }

    /// <summary>Decodes files that fit the decode buffer together, places each in its slot, and waits for the GPU.</summary>
    private void DecodeRound(List<int> round, IReadOnlyList<GpuJpeg> images, GpuResizePlan[] plans, GpuDecodeResult?[] results)
    {
        var n = round.Count;
        var offsets = new long[n];
        var scratchOffsets = new long[n];
        long decodedBytes = 0, scratchBytes = 0;
        for (var k = 0; k < n; k++)
        {
            var plan = plans[round[k]];
            offsets[k] = decodedBytes;
            decodedBytes += Align((long)plan.SourceWidth * plan.SourceHeight * 3);
            scratchOffsets[k] = scratchBytes;
            if (!plan.SameSize && !plan.FitsCanvas) scratchBytes += Align((long)plan.Place.Width * plan.Place.Height * 3);
        }
        // The previous round ended with a synchronisation, so growing (freeing the old memory) is safe here.
        _decoded.Ensure(decodedBytes, _decodeLimit);
        _scratch.Ensure(Math.Max(scratchBytes, Alignment));

        var pins = new GCHandle[n];
        var finished = false;
        try
        {
            var data = new nint[n];
            var lengths = new nuint[n];
            var outputs = new NvJpegImage[n];
            for (var k = 0; k < n; k++)
            {
                var file = images[round[k]].Bytes;
                pins[k] = GCHandle.Alloc(file, GCHandleType.Pinned);
                data[k] = pins[k].AddrOfPinnedObject();
                lengths[k] = (nuint)file.Length;
                outputs[k] = new NvJpegImage { Channel0 = _decoded.Pointer + (nint)offsets[k], Pitch0 = (nuint)(plans[round[k]].SourceWidth * 3) };
            }
            var decoded = HardwareBackend ? DecodeBatched(data, lengths, outputs) : DecodeOneByOne(data, lengths, outputs);
            for (var k = 0; k < n; k++)
            {
                var i = round[k];
                if (decoded[k] is { } error) results[i] = new GpuDecodeResult(images[i].Item, null, new GpuFallback(GpuFallbackReason.NvJpegError, error));
                else Place(plans[i], _decoded.Pointer + (nint)offsets[k], _scratch.Pointer + (nint)scratchOffsets[k], i);
            }
            Synchronize();
            finished = true;
        }
        finally
        {
            // After a failure, work already queued may still read the files: wait for it (its status is not news) before unpinning.
            if (!finished) _api.StreamSynchronize(_stream);
            foreach (var pin in pins) if (pin.IsAllocated) pin.Free();
        }
    }

    /// <summary>One nvjpegDecodeBatched for the round; if nvJPEG rejects it, each file alone, to find the bad ones. Null where decoded, else the error.</summary>
    private string?[] DecodeBatched(nint[] data, nuint[] lengths, NvJpegImage[] outputs)
    {
        var errors = new string?[data.Length];
        fixed (nint* d = data)
        fixed (nuint* l = lengths)
        fixed (NvJpegImage* o = outputs)
        {
            try
            {
                Batched(data.Length, d, l, o);
            }
            catch (GpuDecodeException e) when (e.Library == GpuLibrary.NvJpeg)
            {
                // One file the hardware cannot decode fails the whole call; alone, each file succeeds or fails by itself.
                for (var k = 0; k < data.Length; k++)
                {
                    try { Batched(1, d + k, l + k, o + k); }
                    catch (GpuDecodeException one) when (one.Library == GpuLibrary.NvJpeg) { errors[k] = one.Message; }
                }
            }
        }
        return errors;
    }

    private void Batched(int count, nint* data, nuint* lengths, NvJpegImage* outputs)
    {
        try
        {
            var total = _filler is not null && _initializedCount > count ? _initializedCount : count;
            // Initialising resets the state, so it is done when the batch grows and after a failure.
            if (_initializedCount != total)
            {
                _api.Jpeg(_api.NvJpegDecodeBatchedInitialize(_handle, _state, total, 1, CudaConst.OutputRgbInterleaved), "nvjpegDecodeBatchedInitialize");
                _initializedCount = total;
            }
            if (total == count)
            {
                _api.Jpeg(_api.NvJpegDecodeBatched(_handle, _state, (byte**)data, lengths, outputs, _stream), "nvjpegDecodeBatched");
                return;
            }
            var allData = new nint[total];
            var allLengths = new nuint[total];
            var allOutputs = new NvJpegImage[total];
            for (var k = 0; k < count; k++) (allData[k], allLengths[k], allOutputs[k]) = (data[k], lengths[k], outputs[k]);
            fixed (byte* filler = _filler)
            {
                for (var k = count; k < total; k++)
                {
                    const int fillerBytes = FillerSide * FillerSide * 3;
                    allData[k] = (nint)filler;
                    allLengths[k] = (nuint)_filler!.Length;
                    allOutputs[k] = new NvJpegImage { Channel0 = _fillerOut.Pointer + (nint)((k - count) * fillerBytes), Pitch0 = FillerSide * 3 };
                }
                fixed (nint* d = allData)
                fixed (nuint* l = allLengths)
                fixed (NvJpegImage* o = allOutputs)
                    _api.Jpeg(_api.NvJpegDecodeBatched(_handle, _state, (byte**)d, l, o, _stream), "nvjpegDecodeBatched");
            }
        }
        catch (GpuDecodeException)
        {
            _initializedCount = -1;
            throw;
        }
    }

    /// <summary>nvjpegDecode file by file (no hardware decoder). Null where decoded, else the error.</summary>
    private string?[] DecodeOneByOne(nint[] data, nuint[] lengths, NvJpegImage[] outputs)
    {
        var errors = new string?[data.Length];
        for (var k = 0; k < data.Length; k++)
        {
            var output = outputs[k];
            try { _api.Jpeg(_api.NvJpegDecode(_handle, _state, (byte*)data[k], lengths[k], CudaConst.OutputRgbInterleaved, &output, _stream), "nvjpegDecode"); }
            catch (GpuDecodeException e) when (e.Library == GpuLibrary.NvJpeg) { errors[k] = e.Message; }
        }
        return errors;
    }

    /// <summary>Resizes a decoded image to its placement and puts the part on the canvas into slot <paramref name="index"/>.</summary>
    private void Place(GpuResizePlan plan, nint decoded, nint scratch, int index)
    {
        var slot = _batch.Pointer + (nint)(index * BytesPerImage);
        var pitch = Spec.Width * 3;
        if (plan.Pads) _api.Cuda(_api.MemsetAsync(slot, plan.PadValue, (nuint)BytesPerImage, _stream), "cudaMemsetAsync");
        var w = plan.Window;
        var target = slot + (nint)((long)w.ToY * pitch + w.ToX * 3);
        var (rw, rh) = (plan.Place.Width, plan.Place.Height);
        if (plan.SameSize) Copy(target, pitch, decoded, plan.SourceWidth * 3, w);
        else if (plan.FitsCanvas) Resize(plan, decoded, target, pitch);
        else
        {
            Resize(plan, decoded, scratch, rw * 3);
            Copy(target, pitch, scratch, rw * 3, w);
        }
    }

    private void Resize(GpuResizePlan plan, nint source, nint target, int targetPitch)
    {
        var (sw, sh, rw, rh) = (plan.SourceWidth, plan.SourceHeight, plan.Place.Width, plan.Place.Height);
        _api.Npp(_api.NppiResize8uC3RCtx((byte*)source, sw * 3, new NppiSize(sw, sh), new NppiRect(0, 0, sw, sh),
            (byte*)target, targetPitch, new NppiSize(rw, rh), new NppiRect(0, 0, rw, rh), plan.Interpolation, _npp), "nppiResize_8u_C3R_Ctx");
    }

    /// <summary>Copies the window's rows from an image of pitch <paramref name="sourcePitch"/> to the canvas.</summary>
    private void Copy(nint target, int targetPitch, nint source, int sourcePitch, (int FromX, int FromY, int ToX, int ToY, int Width, int Height) w)
    {
        var from = source + (nint)((long)w.FromY * sourcePitch + w.FromX * 3);
        _api.Cuda(_api.Memcpy2DAsync(target, (nuint)targetPitch, from, (nuint)sourcePitch, (nuint)(w.Width * 3), (nuint)w.Height,
            CudaConst.MemcpyDeviceToDevice, _stream), "cudaMemcpy2DAsync");
    }

    /// <summary>What NPP would otherwise ask the device on every call.</summary>
    /// <summary>A 16×16 grey baseline JPEG (4:2:0), encoded by libjpeg-turbo through Skia.</summary>
    private static byte[] FillerJpeg()
    {
        using var bitmap = new SkiaSharp.SKBitmap(FillerSide, FillerSide);
        bitmap.Erase(new SkiaSharp.SKColor(128, 128, 128));
        using var image = SkiaSharp.SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 75);
        return data.ToArray();
    }

    private static NppStreamContext StreamContext(CudaApi api, int device, nint stream)
    {
        int Attribute(int attribute)
        {
            int value;
            api.Cuda(api.DeviceGetAttribute(&value, attribute, device), "cudaDeviceGetAttribute");
            return value;
        }
        uint flags;
        api.Cuda(api.StreamGetFlags(stream, &flags), "cudaStreamGetFlags");
        return new NppStreamContext
        {
            Stream = stream,
            DeviceId = device,
            MultiProcessorCount = Attribute(CudaConst.AttrMultiProcessorCount),
            MaxThreadsPerMultiProcessor = Attribute(CudaConst.AttrMaxThreadsPerMultiProcessor),
            MaxThreadsPerBlock = Attribute(CudaConst.AttrMaxThreadsPerBlock),
            SharedMemPerBlock = (nuint)Attribute(CudaConst.AttrMaxSharedMemoryPerBlock),
            ComputeCapabilityMajor = Attribute(CudaConst.AttrComputeCapabilityMajor),
            ComputeCapabilityMinor = Attribute(CudaConst.AttrComputeCapabilityMinor),
            StreamFlags = flags,
        };
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // Statuses are not checked here: a device that failed must still let the rest be released.
        if (_stream != 0) _api.StreamSynchronize(_stream);
        if (_jpegStream != 0) _api.NvJpegJpegStreamDestroy(_jpegStream);
        if (_state != 0) _api.NvJpegJpegStateDestroy(_state);
        if (_handle != 0) _api.NvJpegDestroy(_handle);
        _scratch.Dispose();
        _fillerOut.Dispose();
        _decoded.Dispose();
        _batch.Dispose();
        if (_stream != 0) _api.StreamDestroy(_stream);
    }
}
