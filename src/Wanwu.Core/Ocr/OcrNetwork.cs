using Microsoft.ML.OnnxRuntime;
using Wanwu.Backends;

namespace Wanwu.Ocr;

/// <summary>One of the OCR model's networks: an ONNX session with one float image input and one float output.</summary>
internal sealed class OcrNetwork : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _input;
    private readonly string[] _output;
    private readonly RunOptions _runOptions = new();

    private OcrNetwork(InferenceSession session)
    {
        _session = session;
        _input = [session.InputMetadata.Keys.First()];
        _output = [session.OutputMetadata.Keys.First()];
    }

    /// <summary>Opens <paramref name="path"/>; a missing or broken file is a <see cref="ModelLoadException"/>.</summary>
    public static OcrNetwork Open(string path, int intraOpThreads, DeviceSpec device)
    {
        if (!File.Exists(path)) throw new ModelLoadException($"the OCR model file '{path}' is missing; fetch the model again (wanwu models fetch ppocr)");
        var session = OnnxBackend.OpenSession(path, intraOpThreads, device, shapesVary: true);  // each image and crop its own size
        if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
        {
            session.Dispose();
            throw new ModelLoadException($"'{path}' is not a PaddleOCR network: it has {session.InputMetadata.Count} inputs and {session.OutputMetadata.Count} outputs, expected one of each");
        }
        return new OcrNetwork(session);
    }

    /// <summary>Runs the network on <paramref name="input"/> of the given shape; returns the output and its shape.</summary>
    public (float[] Data, int[] Shape) Run(float[] input, params long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var results = _session.Run(_runOptions, _input, [value], _output);
        var info = results[0].GetTensorTypeAndShape();
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), info.Shape.Select(d => (int)d).ToArray());
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
