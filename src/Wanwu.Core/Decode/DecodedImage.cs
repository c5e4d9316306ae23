using Wanwu.Sources;

namespace Wanwu.Decode;

/// <summary>An image decoded to 8-bit RGB at the model's input size, with what is needed to map results back.</summary>
/// <param name="Item">Where it came from.</param>
/// <param name="Pixels">Interleaved RGB bytes, row-major, <c>Width*Height*3</c> long.</param>
/// <param name="Width">Width of <paramref name="Pixels"/>.</param>
/// <param name="Height">Height of <paramref name="Pixels"/>.</param>
/// <param name="OriginalWidth">Width of the original image after EXIF rotation.</param>
/// <param name="OriginalHeight">Height of the original image after EXIF rotation.</param>
/// <param name="Geometry">Maps model pixels back to original pixels.</param>
internal sealed record DecodedImage(InputItem Item, byte[] Pixels, int Width, int Height, int OriginalWidth, int OriginalHeight, Geometry Geometry)
{
    /// <summary>The <see cref="ContentHash"/> of the file's bytes, taken as they were read for decoding.</summary>
    public string? Hash { get; init; }

    /// <summary>
    /// The file's bytes when the device that runs the model decodes it (nvJPEG on a GPU): <see cref="Pixels"/> is then
    /// empty and the size and geometry are those the device's decoder will produce.
    /// </summary>
    public byte[]? Jpeg { get; init; }

    /// <summary>
    /// In a run of several models: each model's input, in the run's order of models, made from this one decode (see
    /// <see cref="InputDeriver"/>); null otherwise.
    /// </summary>
    public IReadOnlyList<DecodedImage>? Inputs { get; init; }
}
