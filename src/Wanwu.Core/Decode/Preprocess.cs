namespace Wanwu.Decode;

/// <summary>How an image is fitted to the model's input size.</summary>
public enum ResizeMode
{
    /// <summary>Scale both axes to the input size, ignoring aspect ratio.</summary>
    Stretch,
    /// <summary>Scale the shorter side to size / crop fraction, then cut the centre.</summary>
    CenterCrop,
    /// <summary>Scale to fit inside, pad the rest.</summary>
    Letterbox,
}

/// <summary>Geometry a decoder must produce: model input size and how to get there.</summary>
/// <param name="Width">Model input width in pixels.</param>
/// <param name="Height">Model input height in pixels.</param>
/// <param name="Mode">How the image is fitted.</param>
/// <param name="CropFraction">For <see cref="ResizeMode.CenterCrop"/>: input size / resized shorter side (0.875 = 224 of 256).</param>
/// <param name="PadValue">For <see cref="ResizeMode.Letterbox"/>: grey level of the padding.</param>
public sealed record PreprocessSpec(int Width, int Height, ResizeMode Mode = ResizeMode.Stretch, double CropFraction = 0.875, byte PadValue = 114);

/// <summary>Maps model-input pixels back to original pixels: model = original * scale + offset.</summary>
public readonly record struct Geometry(double ScaleX, double ScaleY, double OffsetX, double OffsetY)
{
    public double ToOriginalX(double modelX) => (modelX - OffsetX) / ScaleX;
    public double ToOriginalY(double modelY) => (modelY - OffsetY) / ScaleY;
}
