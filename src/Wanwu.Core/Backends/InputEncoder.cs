using Wanwu.Decode;
using Wanwu.Models;

namespace Wanwu.Backends;

/// <summary>Writes decoded RGB bytes into a model's input tensor: layout, element type and normalisation.</summary>
internal sealed class InputEncoder
{
    private readonly float[] _scale = new float[3];
    private readonly float[] _bias = new float[3];

    public InputEncoder(ModelSpec spec)
    {
        Spec = spec;
        // (pixel / pixelScale - mean) / std folded into one multiply-add per channel.
        for (var c = 0; c < 3; c++)
        {
            _scale[c] = (float)(1.0 / (spec.PixelScale * spec.Std[c]));
            _bias[c] = (float)(-spec.Mean[c] / spec.Std[c]);
        }
    }

    public ModelSpec Spec { get; }

    /// <summary>Per-channel multiplier and offset applied to each byte (also built into adapted models, OnnxInputAdapter).</summary>
    internal IReadOnlyList<float> Scale => _scale;
    internal IReadOnlyList<float> Bias => _bias;

    public int ElementsPerImage => Spec.Width * Spec.Height * 3;

    public void Encode(DecodedImage image, Span<byte> dest)
    {
        if (Spec.Layout == InputLayout.Nhwc) image.Pixels.CopyTo(dest);
        else
        {
            var plane = Spec.Width * Spec.Height;
            var px = image.Pixels;
            for (var i = 0; i < plane; i++)
            {
                dest[i] = px[3 * i];
                dest[plane + i] = px[3 * i + 1];
                dest[2 * plane + i] = px[3 * i + 2];
            }
        }
    }

    public void Encode(DecodedImage image, Span<float> dest)
    {
        var px = image.Pixels;
        if (Spec.Layout == InputLayout.Nhwc)
        {
            for (var i = 0; i < px.Length; i += 3)
            {
                dest[i] = px[i] * _scale[0] + _bias[0];
                dest[i + 1] = px[i + 1] * _scale[1] + _bias[1];
                dest[i + 2] = px[i + 2] * _scale[2] + _bias[2];
            }
        }
        else
        {
            var plane = Spec.Width * Spec.Height;
            for (var i = 0; i < plane; i++)
            {
                dest[i] = px[3 * i] * _scale[0] + _bias[0];
                dest[plane + i] = px[3 * i + 1] * _scale[1] + _bias[1];
                dest[2 * plane + i] = px[3 * i + 2] * _scale[2] + _bias[2];
            }
        }
    }
}
