using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Wanwu.Decode.Gpu;

/// <summary>
/// Hands a batch that is already in GPU memory to ONNX Runtime without a trip through the host: an OrtValue over the
/// device pointer, described as CUDA memory of that device, bound as the session's input. The model must take uint8
/// [N, H, W, 3] (see <see cref="Models.Onnx.OnnxInputAdapter"/>); the memory must stay valid, and unchanged, until the
/// run that reads it has returned.
/// </summary>
internal static class OnnxDeviceInput
{
    /// <summary>A uint8 tensor [batch, height, width, 3] over <paramref name="devicePointer"/>; it does not own the memory.</summary>
    public static OrtValue Wrap(OrtMemoryInfo memory, nint devicePointer, int batch, int height, int width)
    {
        long[] shape = [batch, height, width, 3];
        return OrtValue.CreateTensorValueWithData(memory, TensorElementType.UInt8, shape, devicePointer, (long)batch * height * width * 3);
    }

    /// <summary>Binds the first <paramref name="count"/> images of the decoder's device batch as <paramref name="inputName"/>.</summary>
    /// <returns>The OrtValue bound; dispose it after the run.</returns>
    public static OrtValue Bind(OrtIoBinding binding, string inputName, OrtMemoryInfo memory, NvJpegBatchDecoder decoder, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, decoder.MaxBatch);
        var value = Wrap(memory, decoder.DeviceBatch, count, decoder.Spec.Height, decoder.Spec.Width);
        binding.BindInput(inputName, value);
        return value;
    }
}
