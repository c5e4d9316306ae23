using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Wanwu.Decode;
using Wanwu.Models;

namespace Wanwu.Backends;

/// <summary>ONNX Runtime inference: one session for the whole run, batches copied once into a pinned input tensor.</summary>
internal sealed class OnnxBackend : IInferenceBackend
{
    private readonly InferenceSession _session;
    private readonly InputEncoder _encoder;
    private readonly string[] _outputNames;
    private readonly RunOptions _runOptions = new();

    private readonly OrtIoBinding _binding;

    /// <summary>Where ONNX Runtime writes its per-operator profile (a Chrome trace), for finding where a model's time goes.</summary>
    private static readonly string? ProfilePrefix = Environment.GetEnvironmentVariable("WANWU_ORT_PROFILE");

    /// <summary><c>WANWU_ORT_LOG=0</c> (verbose) to <c>4</c> (fatal): ONNX Runtime's own log of a session, node placement included.</summary>
    private static readonly OrtLoggingLevel? LogLevel =
        int.TryParse(Environment.GetEnvironmentVariable("WANWU_ORT_LOG"), out var level) && level is >= 0 and <= 4 ? (OrtLoggingLevel)level : null;

    private readonly DeviceBatchInput? _deviceInput;

    /// <summary>Opens <paramref name="modelPath"/> with ONNX Runtime on <paramref name="device"/> (already resolved, see <see cref="ExecutionProviders.Resolve"/>).</summary>
    /// <param name="modelPath">The ONNX file.</param>
    /// <param name="spec">Its description (input name, layout, type, normalisation).</param>
    /// <param name="intraOpThreads">Threads ONNX Runtime may use inside one operator.</param>
    /// <param name="device">Where the session runs.</param>
    /// <param name="deviceInput">For a GPU session that decodes on the device: fills the batch there (the model takes uint8 NHWC).</param>
    public OnnxBackend(string modelPath, ModelSpec spec, int intraOpThreads, DeviceSpec device = default, DeviceBatchInput? deviceInput = null)
    {
        _session = OpenSession(modelPath, intraOpThreads, device);
        _encoder = new InputEncoder(spec);
        _outputNames = _session.OutputMetadata.Keys.ToArray();
        _binding = _session.CreateIoBinding();
        _deviceInput = deviceInput;
        ExecutionProvider = ExecutionProviders.Name(device);
    }

    /// <summary>Opens a session, turning ONNX Runtime's failures into a message about the model file.</summary>
    /// <param name="modelPath">The ONNX file.</param>
    /// <param name="intraOpThreads">Threads ONNX Runtime may use inside one operator (0: one per core).</param>
    /// <param name="device">Where the session runs.</param>
    /// <param name="shapesVary">Whether its inputs come in many shapes (see <see cref="ExecutionProviders.Apply"/>).</param>
    public static InferenceSession OpenSession(string modelPath, int intraOpThreads = 0, DeviceSpec device = default, bool shapesVary = false)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // Decoders share the cores with inference: threads that spin while waiting for work would take time from them
        // (measured: MobileNet 54 → 66 img/s on 2 cores), so ONNX Runtime's threads sleep instead.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        options.IntraOpNumThreads = intraOpThreads > 0 ? intraOpThreads : Environment.ProcessorCount;
        options.InterOpNumThreads = 1;
        if (LogLevel is { } level) options.LogSeverityLevel = level;
        if (ProfilePrefix is { Length: > 0 } prefix)
        {
            // The prefix first: enabling profiling takes the prefix set at that moment.
            options.ProfileOutputPathPrefix = prefix;
            options.EnableProfiling = true;
        }
        try
        {
            ExecutionProviders.Apply(options, device, shapesVary);
            return new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException($"ONNX Runtime cannot load '{modelPath}' on {device}: {e.Message}", e);
        }
    }

    public string ExecutionProvider { get; }

    public IReadOnlyList<OutputTensor> Run(IReadOnlyList<DecodedImage> images)
    {
        var spec = _encoder.Spec;
        var chunk = spec.FixedBatch ?? images.Count;
        var parts = new List<IReadOnlyList<OutputTensor>>();
        // One binding per session: calls from several threads (a shared Tagger) take turns.
        lock (_binding)
        {
            for (var start = 0; start < images.Count; start += chunk)
            {
                var part = images.Skip(start).Take(chunk).ToList();
                var batch = spec.FixedBatch ?? Math.Max(part.Count, PaddedBatch);
                try
                {
                    parts.Add(RunChunk(part, batch));
                }
                catch (Exception) when (batch > part.Count && spec.FixedBatch is null)
                {
                    // The padding may be what did not fit: the batch's halves, retried by the caller, run as they are.
                    PaddedBatch = 0;
                    throw;
                }
            }
        }
        return parts.Count == 1 ? parts[0] : Concat(parts, images.Count);
    }

    /// <summary>The batch size that shorter runs are padded to now, 0 when they run as they are; see <see cref="KeepShape"/>.</summary>
    internal int PaddedBatch { get; private set; }

    public void KeepShape(DecodedImage sample, int batch)
    {
        if (_encoder.Spec.FixedBatch is not null) return;  // padded to its own batch already
        PaddedBatch = batch;
        Run([sample]);
    }

    private IReadOnlyList<OutputTensor> RunChunk(IReadOnlyList<DecodedImage> images, int batch)
    {
        var spec = _encoder.Spec;
        long[] shape = spec.Layout == InputLayout.Nhwc ? [batch, spec.Height, spec.Width, 3] : [batch, 3, spec.Height, spec.Width];
        var per = _encoder.ElementsPerImage;
        int[]? slotOf = null;
        using var input = _deviceInput is not null ? FillOnDevice(images, batch, out slotOf) : spec.Dtype switch
        {
            InputDtype.Uint8 => Fill<byte>(images, batch, per, shape, (img, span) => _encoder.Encode(img, span)),
            InputDtype.Float32 => Fill<float>(images, batch, per, shape, (img, span) => _encoder.Encode(img, span)),
            _ => Fill<Float16>(images, batch, per, shape, (img, span) =>
            {
                var tmp = new float[per];
                _encoder.Encode(img, tmp);
                for (var i = 0; i < per; i++) span[i] = (Float16)tmp[i];
            }),
        };
        // I/O binding: the batch is handed over once and ONNX Runtime copies it to the device itself (no-op on the CPU);
        // outputs come back in CPU memory.
        _binding.ClearBoundOutputs();
        if (_deviceInput is null)
        {
            _binding.ClearBoundInputs();
            _binding.BindInput(spec.InputName, input);
        }
        foreach (var name in _outputNames) _binding.BindOutputToDevice(name, OrtMemoryInfo.DefaultInstance);
        _session.RunWithBinding(_runOptions, _binding);
        using var results = _binding.GetOutputValues();
        var outputs = new List<OutputTensor>(_outputNames.Length);
        for (var o = 0; o < _outputNames.Length; o++)
        {
            var info = results[o].GetTensorTypeAndShape();
            var dims = info.Shape.Select(d => (int)d).ToArray();
            // A fixed-batch model was padded: keep only the rows of real images.
            var rows = images.Count;
            var rowLen = dims.Length == 0 ? 1 : (int)(info.ElementCount / Math.Max(1, dims[0]));
            var data = ToFloats(results[o].GetTensorMutableRawData(), info.ElementDataType, rows * rowLen, slotOf, rowLen);
            if (dims.Length > 0) dims[0] = rows;
            outputs.Add(new OutputTensor(_outputNames[o], dims, data));
        }
        return outputs;
    }

    private OrtValue FillOnDevice(IReadOnlyList<DecodedImage> images, int batch, out int[] slotOf)
    {
        _binding.ClearBoundInputs();
        (var input, slotOf) = _deviceInput!.Fill(_binding, _encoder.Spec.InputName, images, batch);
        return input;
    }

    private Array? _buffer;

    /// <summary>Encodes the batch into one input buffer, reused from batch to batch (runs are serialised), wrapped without a copy.</summary>
    private OrtValue Fill<T>(IReadOnlyList<DecodedImage> images, int batch, int per, long[] shape, SpanAction<T> encode) where T : unmanaged
    {
        if (_buffer is not T[] buffer || buffer.Length != batch * per) _buffer = buffer = new T[batch * per];
        if (images.Count < batch) buffer.AsSpan(images.Count * per).Clear();
        Parallel.For(0, images.Count, i => encode(images[i], buffer.AsSpan(i * per, per)));
        return OrtValue.CreateTensorValueFromMemory(buffer, shape);
    }

    private delegate void SpanAction<T>(DecodedImage image, Span<T> dest);

    /// <summary>The first <paramref name="count"/> values of a tensor's bytes as floats; with <paramref name="slotOf"/>, row i is read from row slotOf[i].</summary>
    private static float[] ToFloats(ReadOnlySpan<byte> raw, TensorElementType type, int count, int[]? slotOf = null, int rowLength = 0)
    {
        if (slotOf is not null && slotOf.Select((s, i) => s != i).Any(moved => moved))
        {
            var inSlots = ToFloats(raw, type, count);
            var ordered = new float[count];
            for (var i = 0; i < slotOf.Length; i++) Array.Copy(inSlots, slotOf[i] * rowLength, ordered, i * rowLength, rowLength);
            return ordered;
        }
        var result = new float[count];
        switch (type)
        {
            case TensorElementType.Float: MemoryMarshal.Cast<byte, float>(raw)[..count].CopyTo(result); break;
            case TensorElementType.UInt8: { for (var i = 0; i < count; i++) result[i] = raw[i]; break; }
            case TensorElementType.Int8: { var s = MemoryMarshal.Cast<byte, sbyte>(raw); for (var i = 0; i < count; i++) result[i] = s[i]; break; }
            case TensorElementType.Float16: { var s = MemoryMarshal.Cast<byte, Float16>(raw); for (var i = 0; i < count; i++) result[i] = (float)s[i]; break; }
            case TensorElementType.Int64: { var s = MemoryMarshal.Cast<byte, long>(raw); for (var i = 0; i < count; i++) result[i] = s[i]; break; }
            case TensorElementType.Int32: { var s = MemoryMarshal.Cast<byte, int>(raw); for (var i = 0; i < count; i++) result[i] = s[i]; break; }
            default: throw new ModelLoadException($"model output of type {type} is not supported");
        }
        return result;
    }

    private static IReadOnlyList<OutputTensor> Concat(List<IReadOnlyList<OutputTensor>> parts, int total) =>
        Enumerable.Range(0, parts[0].Count).Select(o =>
        {
            var first = parts[0][o];
            var dims = (int[])first.Shape.Clone();
            dims[0] = total;
            return new OutputTensor(first.Name, dims, parts.SelectMany(p => p[o].Data).ToArray());
        }).ToList();

    public void Dispose()
    {
        if (ProfilePrefix is { Length: > 0 }) _session.EndProfiling();
        _binding.Dispose();
        _deviceInput?.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
