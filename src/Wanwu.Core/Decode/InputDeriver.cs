using NetVips;

namespace Wanwu.Decode;

/// <summary>
/// A model's input made from an image decoded once for every model of a run (at least as large as the most demanding
/// of them needs, never larger than the original): resized, cropped or padded by the model's own <see cref="Placement"/>,
/// with the geometry that maps its pixels back to the original's.
/// </summary>
internal static class InputDeriver
{
    /// <summary>
    /// The size an image of <paramref name="width"/>×<paramref name="height"/> (upright) is decoded at so that every
    /// one of <paramref name="specs"/> can be made from it without enlarging: the largest scale any of them places the
    /// original at, at most 1 (a model that enlarges small photos enlarges them from the original's own pixels).
    /// </summary>
    public static PreprocessSpec SourceSpec(IEnumerable<PreprocessSpec> specs, int width, int height)
    {
        var scale = 0.0;
        foreach (var spec in specs)
        {
            var place = Placement.For(spec, width, height);
            scale = Math.Max(scale, Math.Max((double)place.Width / width, (double)place.Height / height));
        }
        scale = Math.Min(1, scale);
        return new PreprocessSpec(Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    /// <summary>The input <paramref name="spec"/> asks for, made from <paramref name="source"/> (which shows the whole original, stretched).</summary>
    public static DecodedImage Derive(DecodedImage source, PreprocessSpec spec)
    {
        var (ow, oh) = (source.OriginalWidth, source.OriginalHeight);
        var (w, h) = (spec.Width, spec.Height);
        var place = Placement.For(spec, ow, oh);
        if (place == new Placement(source.Width, source.Height, 0, 0) && w == source.Width && h == source.Height) return source;
        using var image = Image.NewFromMemory(source.Pixels, source.Width, source.Height, 3, Enums.BandFormat.Uchar);
        using var resized = image.ThumbnailImage(place.Width, height: place.Height, size: Enums.Size.Force);
        using var placed = spec.Mode == ResizeMode.Letterbox
            ? resized.Embed(place.X, place.Y, w, h, extend: Enums.Extend.Background, background: [spec.PadValue, spec.PadValue, spec.PadValue])
            : resized.Crop(-place.X, -place.Y, w, h);
        using var rgb = ImageDecoder.ToRgb8(placed);
        if (rgb.Width != w || rgb.Height != h)
            throw new ImageException(ImageErrorTypes.DecodeError, $"resizing produced {rgb.Width}x{rgb.Height}, expected {w}x{h}");
        return new DecodedImage(source.Item, rgb.WriteToMemory<byte>(), w, h, ow, oh, place.Geometry(ow, oh)) { Hash = source.Hash };
    }
}
