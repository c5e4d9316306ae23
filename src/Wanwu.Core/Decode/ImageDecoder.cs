using NetVips;
using Wanwu.Sources;

namespace Wanwu.Decode;

/// <summary>Decodes one image with libvips: shrink-on-load, EXIF rotation, any colour space to 8-bit sRGB, alpha on white.</summary>
internal sealed class ImageDecoder
{
    private static readonly double[] White = [255, 255, 255];

    static ImageDecoder()
    {
        // wanwu parallelises across images, so each libvips operation runs single-threaded and nothing is cached:
        // a run over a million files must not keep any of them alive.
        NetVips.NetVips.Concurrency = 1;
        Cache.Max = 0;
        Cache.MaxFiles = 0;
        Cache.MaxMem = 0;
    }

    private readonly Func<int, int, PreprocessSpec> _specFor;
    private readonly long _maxPixels;
    private readonly bool _shrinkOnLoad;
    private readonly bool _hash;
    private readonly ReadRetry _readRetry;

    /// <param name="spec">Target size and fit.</param>
    /// <param name="maxPixels">Images whose header claims more pixels are refused before decoding.</param>
    /// <param name="shrinkOnLoad">Let the JPEG/WebP decoder skip detail it will not need; off only to measure the naive way.</param>
    /// <param name="hash">Hash each file's bytes as they are read (<see cref="DecodedImage.Hash"/>); off only to measure what that costs.</param>
    /// <param name="readRetry">How a failed read is tried again (<see cref="ReadRetry.Default"/> unless given).</param>
    public ImageDecoder(PreprocessSpec spec, long maxPixels, bool shrinkOnLoad = true, bool hash = true, ReadRetry? readRetry = null)
    {
        _specFor = (_, _) => spec;
        _maxPixels = maxPixels;
        _shrinkOnLoad = shrinkOnLoad;
        _hash = hash;
        _readRetry = readRetry ?? ReadRetry.Default;
    }

    /// <summary>
    /// Decodes at a size chosen per image from its upright size (width, height): a run of several models decodes each
    /// image once at what the most demanding of them needs (<see cref="InputDeriver"/> makes each model's input from it).
    /// </summary>
    public ImageDecoder(Func<int, int, PreprocessSpec> specFor, long maxPixels) : this(new PreprocessSpec(1, 1), maxPixels)
    {
        _specFor = specFor;
    }

    /// <summary>Loads and resizes to exactly w×h, rotated upright.</summary>
    private Image Load(Source? source, int w, int h, Image? decoded)
    {
        if (decoded is not null) return decoded.ThumbnailImage(w, height: h, size: Enums.Size.Force);
        if (_shrinkOnLoad) return Image.ThumbnailSource(source!, w, height: h, size: Enums.Size.Force);
        using var full = Image.NewFromSource(source!, access: Enums.Access.Sequential);
        return full.ThumbnailImage(w, height: h, size: Enums.Size.Force);
    }

    /// <summary>Decodes <paramref name="item"/>; throws <see cref="ImageException"/> for anything that is not a usable image.</summary>
    public DecodedImage Decode(InputItem item)
    {
        DecoderFaultHook.Apply(item);
        try
        {
            return _readRetry.Run(() => DecodeCore(item));
        }
        catch (VipsException e)
        {
            throw new ImageException(ImageErrorTypes.DecodeError, OneLine(e.Message));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageException(ImageErrorTypes.ReadError, OneLine(e.Message));
        }
    }

    private DecodedImage DecodeCore(InputItem item)
    {
        var info = new FileInfo(item.FullPath);
        if (!info.Exists) throw new ImageException(ImageErrorTypes.NotFound, $"file not found: {item.FullPath}");
        if (info.LinkTarget is { } target && info.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true })
            throw new ImageException(ImageErrorTypes.NotFound, $"symbolic link to a missing file: {target}");
        if (info.Length == 0) throw new ImageException(ImageErrorTypes.EmptyFile, "file is empty");

        // The file is read once, and hashed as it is read; every decoder below works on these bytes.
        using var file = FileBytes.Read(item.FullPath, _hash);
        return DecodeBytes(item, file) with { Hash = file.Hash };
    }

    private DecodedImage DecodeBytes(InputItem item, FileBytes file)
    {
        var isBmp = BmpReader.IsBmp(file.Span);
        if (_shrinkOnLoad && !isBmp && JpegFastDecoder.TryDecode(file, item, _specFor, _maxPixels) is { } jpeg) return jpeg;
        // libvips as shipped has no BMP loader: such files are decoded by Skia and resized from memory.
        using var bmp = isBmp ? BmpReader.Read(file, _maxPixels) : null;
        // libvips keeps its own copy of the bytes, which the header and the thumbnail below both read.
        using var source = isBmp ? null : Source.NewFromMemory(file.Span);
        int origW, origH;
        using (var header = bmp?.Copy() ?? Image.NewFromSource(source!, access: Enums.Access.Sequential))
        {
            (origW, origH) = (header.Width, header.PageHeight);
            if ((long)origW * origH > _maxPixels)
                throw new ImageException(ImageErrorTypes.TooLarge, $"image claims {origW}x{origH} pixels, over the limit of {_maxPixels} pixels (raise it with --max-pixels)");
            if (header.GetTypeOf("orientation") != 0 && header.Get("orientation") is int o && o >= 5)
                (origW, origH) = (origH, origW);
        }

        var spec = _specFor(origW, origH);
        var (w, h) = (spec.Width, spec.Height);
        var place = Placement.For(spec, origW, origH);
        using var resized = Load(source, place.Width, place.Height, bmp);
        Image image;
        if (spec.Mode == ResizeMode.Letterbox)
        {
            using var rgb8 = ToRgb8(resized);
            var pad = (double)spec.PadValue;
            image = rgb8.Embed(place.X, place.Y, w, h, extend: Enums.Extend.Background, background: [pad, pad, pad]);
        }
        else image = resized.Crop(-place.X, -place.Y, w, h);
        var geometry = place.Geometry(origW, origH);

        using (image)
        using (var rgb = ToRgb8(image))
        {
            if (rgb.Width != w || rgb.Height != h)
                throw new ImageException(ImageErrorTypes.DecodeError, $"decoder produced {rgb.Width}x{rgb.Height}, expected {w}x{h}");
            return new DecodedImage(item, rgb.WriteToMemory<byte>(), w, h, origW, origH, geometry);
        }
    }

    /// <summary>Any interpretation and depth to 3-band 8-bit sRGB, transparency composited on white.</summary>
    internal static Image ToRgb8(Image image)
    {
        var current = image;
        Image Step(Image next)
        {
            if (!ReferenceEquals(current, image)) current.Dispose();
            return current = next;
        }

        if (current.Interpretation != Enums.Interpretation.Srgb) Step(current.Colourspace(Enums.Interpretation.Srgb));
        if (current.HasAlpha()) Step(current.Flatten(background: White));
        if (current.Format != Enums.BandFormat.Uchar) Step(current.Cast(Enums.BandFormat.Uchar));
        if (current.Bands > 3) Step(current.ExtractBand(0, n: 3));
        if (current.Bands == 1) Step(current.Bandjoin(current, current));
        if (ReferenceEquals(current, image)) current = image.Copy();
        return current;
    }

    /// <summary>libvips reports "unable to call X" then the real causes; keep the causes, on one line.</summary>
    internal static string OneLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("unable to call", StringComparison.Ordinal))
            .Distinct()
            .ToArray();
        return lines.Length == 0 ? "unreadable image" : string.Join("; ", lines);
    }
}
