namespace Wanwu.Decode;

/// <summary>How an image is fitted to the model's input size.</summary>
internal enum ResizeMode
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
internal sealed record PreprocessSpec(int Width, int Height, ResizeMode Mode = ResizeMode.Stretch, double CropFraction = 0.875, byte PadValue = 114);

/// <summary>Maps model-input pixels back to original pixels: model = original * scale + offset.</summary>
internal readonly record struct Geometry(double ScaleX, double ScaleY, double OffsetX, double OffsetY)
{
    public double ToOriginalX(double modelX) => (modelX - OffsetX) / ScaleX;
    public double ToOriginalY(double modelY) => (modelY - OffsetY) / ScaleY;
}

/// <summary>
/// Where the resized image lands in the model's input: resized to <c>Width×Height</c> and drawn at (<c>X</c>, <c>Y</c>)
/// on the input canvas, which crops it (centre crop: negative offsets) or pads it (letterbox). Every decoder uses it.
/// </summary>
internal readonly record struct Placement(int Width, int Height, int X, int Y)
{
    public static Placement For(PreprocessSpec spec, int originalWidth, int originalHeight)
    {
        var (w, h) = (spec.Width, spec.Height);
        switch (spec.Mode)
        {
            case ResizeMode.Stretch:
                return new(w, h, 0, 0);
            case ResizeMode.CenterCrop:
            {
                var scale = Math.Max(w, h) / spec.CropFraction / Math.Min(originalWidth, originalHeight);
                var (rw, rh) = (Math.Max(w, (int)Math.Round(originalWidth * scale)), Math.Max(h, (int)Math.Round(originalHeight * scale)));
                return new(rw, rh, -((rw - w) / 2), -((rh - h) / 2));
            }
            case ResizeMode.Letterbox:
            {
                var scale = Math.Min((double)w / originalWidth, (double)h / originalHeight);
                var (rw, rh) = (Math.Max(1, (int)Math.Round(originalWidth * scale)), Math.Max(1, (int)Math.Round(originalHeight * scale)));
                return new(rw, rh, (w - rw) / 2, (h - rh) / 2);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec.Mode, "unknown resize mode");
        }
    }

    /// <summary>Maps model pixels back to the original's.</summary>
    public Geometry Geometry(int originalWidth, int originalHeight) =>
        new((double)Width / originalWidth, (double)Height / originalHeight, X, Y);
}
