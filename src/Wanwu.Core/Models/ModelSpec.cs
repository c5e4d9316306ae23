using Wanwu.Decode;

namespace Wanwu.Models;

/// <summary>Element type of a model input.</summary>
internal enum InputDtype { Uint8, Float32, Float16 }

/// <summary>Tensor layout of a model input.</summary>
internal enum InputLayout { Nhwc, Nchw }

/// <summary>A model fully described: the card merged over what the ONNX file says, with labels loaded. Immutable for a run.</summary>
internal sealed record ModelSpec
{
    public required string Name { get; init; }
    public required string Task { get; init; }
    public required string InputName { get; init; }
    public required InputLayout Layout { get; init; }
    public required InputDtype Dtype { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required ResizeMode Resize { get; init; }
    public double CropFraction { get; init; } = 0.875;
    public double PixelScale { get; init; } = 1;
    public double[] Mean { get; init; } = [0, 0, 0];
    public double[] Std { get; init; } = [1, 1, 1];
    /// <summary>How the outputs are read, parsed from the card and checked against the session's outputs.</summary>
    internal required OutputHead Head { get; init; }
    /// <summary>The session's output names, in order (what <see cref="OutputHead"/>'s positions index).</summary>
    internal IReadOnlyList<string> Outputs { get; init; } = [];
    public required LabelSet Labels { get; init; }
    /// <summary>Batch the model accepts when its batch dimension is fixed; null when dynamic.</summary>
    public int? FixedBatch { get; init; }
    public int PreferredBatch { get; init; } = 16;
    /// <summary>The folder the model was found in (label, vocabulary and text-encoder files are relative to it).</summary>
    public string Dir { get; init; } = ".";
    /// <summary>Set for image-text models scored against a vocabulary.</summary>
    public ZeroShotCard? ZeroShot { get; init; }

    public PreprocessSpec Preprocess => new(Width, Height, Resize, CropFraction);
}
