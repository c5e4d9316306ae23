using NetVips;
using Wanwu.Decode;
using Wanwu.Sources;

namespace Wanwu.Tests;

public class DecoderTests
{
    private static readonly ImageDecoder Decoder = new(new PreprocessSpec(64, 48), 100_000_000);

    private static DecodedImage Decode(string path, ImageDecoder? decoder = null) =>
        (decoder ?? Decoder).Decode(new InputItem(Path.GetFileName(path), path));

    private static ImageException Fails(string path, ImageDecoder? decoder = null) =>
        Assert.Throws<ImageException>(() => Decode(path, decoder));

    [Fact]
    public void A_real_photo_becomes_rgb_at_the_input_size_and_keeps_its_original_size()
    {
        var photo = TestPaths.SomePhotos(1)[0];
        using var original = Image.NewFromFile(photo);
        var d = Decode(photo);
        Assert.Equal((64, 48, 64 * 48 * 3), (d.Width, d.Height, d.Pixels.Length));
        Assert.Equal((original.Width, original.Height), (d.OriginalWidth, d.OriginalHeight));
        Assert.True(d.Pixels.Distinct().Count() > 50, "a photo has many distinct values");
    }

    [Fact]
    public void Exif_rotation_is_applied()
    {
        using var dir = new TempDir();
        // A 60x20 image stored sideways with orientation 6 (rotate 90° clockwise to view): it is 20 wide, 60 high.
        using var img = TestImages.Gradient(60, 20);
        using var tagged = img.Mutate(m => m.Set(GValue.GIntType, "orientation", 6));
        tagged.Jpegsave(dir["rotated.jpg"]);
        var d = Decode(dir["rotated.jpg"]);
        Assert.Equal((20, 60), (d.OriginalWidth, d.OriginalHeight));
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void A_large_jpeg_takes_the_libjpeg_path_and_matches_libvips_in_every_orientation(int orientation)
    {
        using var dir = new TempDir();
        // Four coloured quadrants, so any wrong flip or turn shows; stored 800x400 with the EXIF orientation.
        double[][] colours = [[230, 20, 20], [20, 230, 20], [20, 20, 230], [230, 230, 20]];
        var parts = colours.Select(c => { using var b = Image.Black(400, 200, bands: 3); return b.NewFromImage(c); }).ToArray();
        using var img = Image.Arrayjoin(parts, across: 2);
        foreach (var p in parts) p.Dispose();
        using var tagged = img.Mutate(m => m.Set(GValue.GIntType, "orientation", orientation));
        tagged.Jpegsave(dir["q.jpg"], q: 95);

        var spec = new PreprocessSpec(64, 64, ResizeMode.CenterCrop);
        var item = new InputItem("q.jpg", dir["q.jpg"]);
        using var file = FileBytes.Read(item.FullPath);
        var fast = JpegFastDecoder.TryDecode(file, item, spec, 100_000_000);
        Assert.NotNull(fast);
        var vips = new ImageDecoder(spec, 100_000_000, shrinkOnLoad: false).Decode(item);
        Assert.Equal((vips.OriginalWidth, vips.OriginalHeight, vips.Geometry), (fast.OriginalWidth, fast.OriginalHeight, fast.Geometry));
        var meanDiff = fast.Pixels.Zip(vips.Pixels, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanDiff < 6, $"mean difference {meanDiff:0.0} from libvips");
    }

    [Fact]
    public void Cmyk_and_non_jpeg_files_are_left_to_libvips()
    {
        using var dir = new TempDir();
        using var rgb = TestImages.Gradient(60, 20);
        using (var cmyk = rgb.Colourspace(Enums.Interpretation.Cmyk)) cmyk.Jpegsave(dir["cmyk.jpg"]);
        rgb.Pngsave(dir["rgb.png"]);
        Assert.False(JpegFastDecoder.IsColourOrGreyJpeg(File.ReadAllBytes(dir["cmyk.jpg"])));
        Assert.False(JpegFastDecoder.IsColourOrGreyJpeg(File.ReadAllBytes(dir["rgb.png"])));
        Assert.True(JpegFastDecoder.IsColourOrGreyJpeg(File.ReadAllBytes(TestPaths.SomePhotos(1)[0])));
    }

    [Fact]
    public void Transparency_is_composited_on_white()
    {
        using var dir = new TempDir();
        using var black = Image.Black(10, 10, bands: 3);
        using var alpha = Image.Black(10, 10);
        using var rgba = black.Bandjoin(alpha);  // fully transparent black
        rgba.Pngsave(dir["clear.png"]);
        var d = Decode(dir["clear.png"]);
        Assert.All(d.Pixels, p => Assert.Equal(255, p));
    }

    [Theory]
    [InlineData("gray.png")]
    [InlineData("gray16.png")]
    [InlineData("rgb16.png")]
    [InlineData("cmyk.jpg")]
    [InlineData("palette.gif")]
    [InlineData("image.webp")]
    [InlineData("image.tif")]
    [InlineData("progressive.jpg")]
    [InlineData("tiny.png")]
    [InlineData("LA.png")]
    public void Unusual_colour_spaces_and_depths_decode_to_8_bit_rgb(string name)
    {
        using var dir = new TempDir();
        var path = dir[name];
        using (var rgb = TestImages.Gradient(80, 60))
        {
            switch (name)
            {
                case "gray.png": using (var g = rgb.Colourspace(Enums.Interpretation.Bw)) g.Pngsave(path); break;
                case "gray16.png": using (var g = rgb.Colourspace(Enums.Interpretation.Grey16)) g.Pngsave(path); break;
                case "rgb16.png": using (var g = rgb.Colourspace(Enums.Interpretation.Rgb16)) g.Pngsave(path); break;
                case "cmyk.jpg": using (var g = rgb.Colourspace(Enums.Interpretation.Cmyk)) g.Jpegsave(path); break;
                case "palette.gif": rgb.Gifsave(path); break;
                case "image.webp": rgb.Webpsave(path); break;
                case "image.tif": rgb.Tiffsave(path); break;
                case "progressive.jpg": rgb.Jpegsave(path, interlace: true); break;
                case "tiny.png": using (var t = rgb.Crop(0, 0, 1, 1)) t.Pngsave(path); break;
                case "LA.png": using (var g = rgb.Colourspace(Enums.Interpretation.Bw)) using (var la = g.Bandjoin(255)) la.Pngsave(path); break;
            }
        }
        var d = Decode(path);
        Assert.Equal(64 * 48 * 3, d.Pixels.Length);
        if (name != "tiny.png") Assert.True(d.Pixels.Distinct().Count() > 20, "the gradient survives decoding");
    }

    /// <summary>
    /// A 2x2 BMP: red, green on the top row; blue, white below (bottom-up rows, BGR order, 4-byte row padding; 32-bit
    /// with the fourth byte 0, as most writers leave it; RLE8: runs of one palette index, end of line, end of bitmap).
    /// </summary>
    internal static byte[] Bmp(int bits, bool rle8 = false)
    {
        byte[] pixels = bits switch
        {
            24 => [255, 0, 0, 255, 255, 255, 0, 0, /* bottom row: blue, white */ 0, 0, 255, 0, 255, 0, 0, 0 /* top row: red, green */],
            32 => [255, 0, 0, 0, 255, 255, 255, 0, /* bottom row: blue, white */ 0, 0, 255, 0, 0, 255, 0, 0 /* top row: red, green */],
            _ when rle8 => [1, 2, 1, 3, 0, 0, /* bottom: palette 2, 3 */ 1, 0, 1, 1, 0, 1 /* top: palette 0, 1 */],
            _ => [2, 3, 0, 0, /* bottom: palette 2, 3 */ 0, 1, 0, 0 /* top: palette 0, 1 */],
        };
        byte[] palette = bits == 8 ? [0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0] : [];
        var offset = 54 + palette.Length;
        var header = new byte[54];
        "BM"u8.CopyTo(header);
        BitConverter.GetBytes(offset + pixels.Length).CopyTo(header, 2);
        BitConverter.GetBytes(offset).CopyTo(header, 10);
        BitConverter.GetBytes(40).CopyTo(header, 14);
        BitConverter.GetBytes(2).CopyTo(header, 18);
        BitConverter.GetBytes(2).CopyTo(header, 22);
        BitConverter.GetBytes((short)1).CopyTo(header, 26);
        BitConverter.GetBytes((short)bits).CopyTo(header, 28);
        BitConverter.GetBytes(rle8 ? 1 : 0).CopyTo(header, 30);
        BitConverter.GetBytes(pixels.Length).CopyTo(header, 34);
        BitConverter.GetBytes(bits == 8 ? 4 : 0).CopyTo(header, 46);
        return [.. header, .. palette, .. pixels];
    }

    [Theory]
    [InlineData(24, false)]
    [InlineData(32, false)]
    [InlineData(8, false)]
    [InlineData(8, true)]
    public void Bmp_files_decode_with_their_true_colours(int bits, bool rle8)
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["four.BMP"], Bmp(bits, rle8));
        var d = Decode(dir["four.BMP"], new ImageDecoder(new PreprocessSpec(2, 2), 1000));
        Assert.Equal((2, 2), (d.OriginalWidth, d.OriginalHeight));
        Assert.Equal([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255], d.Pixels);
        File.WriteAllBytes(dir["cut.bmp"], Bmp(bits, rle8)[..60]);
        Assert.Equal("decode_error", Fails(dir["cut.bmp"]).Type);
    }

    [Fact]
    public void A_jpeg_named_png_decodes_by_its_content()
    {
        using var dir = new TempDir();
        using (var img = TestImages.Gradient(30, 30)) img.Jpegsave(dir["really-a-jpeg.PNG"]);
        Assert.Equal(64 * 48 * 3, Decode(dir["really-a-jpeg.PNG"]).Pixels.Length);
    }

    [Fact]
    public void Empty_text_and_random_files_give_clear_errors()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["empty.jpg"], []);
        File.WriteAllText(dir["page.jpg"], "<html><body>not an image</body></html>");
        File.WriteAllBytes(dir["noise.png"], Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray());
        Assert.Equal("empty_file", Fails(dir["empty.jpg"]).Type);
        var html = Fails(dir["page.jpg"]);
        Assert.Equal("decode_error", html.Type);
        Assert.DoesNotContain("\n", html.Message);
        Assert.Equal("decode_error", Fails(dir["noise.png"]).Type);
    }

    [Fact]
    public void A_header_claiming_too_many_pixels_is_refused_before_decoding()
    {
        using var dir = new TempDir();
        using (var img = TestImages.Gradient(400, 300)) img.Pngsave(dir["big.png"]);
        var small = new ImageDecoder(new PreprocessSpec(64, 48), maxPixels: 1000);
        var e = Fails(dir["big.png"], small);
        Assert.Equal("too_large", e.Type);
        Assert.Contains("400x300", e.Message);
    }

    [Fact]
    public void Center_crop_and_letterbox_map_back_to_original_pixels()
    {
        using var dir = new TempDir();
        using (var img = TestImages.Gradient(200, 100)) img.Pngsave(dir["wide.png"]);
        var crop = Decode(dir["wide.png"], new ImageDecoder(new PreprocessSpec(50, 50, ResizeMode.CenterCrop, CropFraction: 1.0), 1_000_000));
        // Shorter side 100 → 50 (scale 0.5); the 100-wide resized image is cut from x = 25.
        Assert.Equal(100, crop.Geometry.ToOriginalX(25), 3);
        var box = Decode(dir["wide.png"], new ImageDecoder(new PreprocessSpec(100, 100, ResizeMode.Letterbox), 1_000_000));
        // Scale 0.5, 50 rows of image centred: model y 25 is original y 0.
        Assert.Equal(0, box.Geometry.ToOriginalY(25), 3);
        Assert.Equal(200, box.Geometry.ToOriginalX(100), 3);
        Assert.Equal(114, box.Pixels[0]);
    }
}
