using Microsoft.ML.OnnxRuntime;
using Wanwu.Decode;
using Wanwu.Decode.Gpu;

namespace Wanwu.Backends;

/// <summary>
/// A GPU session's input, filled on the device: JPEG bytes decoded and resized by nvJPEG and NPP straight into the
/// batch buffer, images the CPU decoded copied into their slots, and the buffer bound to the session as a uint8 tensor
/// (the model graph does the normalisation), with no trip through the host. One per session: a batch is decoded while
/// the other session's network runs.
/// </summary>
internal sealed class DeviceBatchInput(PreprocessSpec spec, long maxPixels, int deviceId, ImageDecoder cpu) : IDisposable
{
    private NvJpegBatchDecoder? _decoder;
    private readonly OrtMemoryInfo _memory = ExecutionProviders.CudaMemory(deviceId);

    /// <summary>Fills slots for <paramref name="images"/> and returns the bound tensor and, per image, its slot.</summary>
    public (OrtValue Input, int[] SlotOf) Fill(OrtIoBinding binding, string inputName, IReadOnlyList<DecodedImage> images, int batch)
    {
        if (_decoder is null || _decoder.MaxBatch < batch)
        {
            _decoder?.Dispose();
            _decoder = new NvJpegBatchDecoder(spec, Math.Max(batch, 8), maxPixels, deviceId);
        }
        // nvJPEG fills slots 0..n-1 in the order it is given: the device's images first, then the CPU's.
        var order = Enumerable.Range(0, images.Count).OrderBy(i => images[i].Jpeg is null ? 1 : 0).ToArray();
        var slotOf = new int[images.Count];
        for (var s = 0; s < order.Length; s++) slotOf[order[s]] = s;
        var onDevice = order.TakeWhile(i => images[i].Jpeg is not null).ToList();
        var decoded = _decoder.Decode(onDevice.Select(i => new GpuJpeg(images[i].Item, images[i].Jpeg!)).ToList());
        for (var k = 0; k < onDevice.Count; k++)
            if (decoded[k].Fallback is not null)
                _decoder.Upload(k, cpu.Decode(images[onDevice[k]].Item).Pixels);  // nvJPEG refused it after all
        for (var s = onDevice.Count; s < order.Length; s++) _decoder.Upload(s, images[order[s]].Pixels);
        for (var s = order.Length; s < batch; s++) _decoder.Clear(s);
        return (OnnxDeviceInput.Bind(binding, inputName, _memory, _decoder, batch), slotOf);
    }

    public void Dispose()
    {
        _decoder?.Dispose();
        _memory.Dispose();
    }
}
