using NetVips;
using SkiaSharp;
using Wanwu.Decode;
using Wanwu.Decode.Gpu;
using Wanwu.Sources;

namespace Wanwu.Tests;

/// <summary>
/// Which files the GPU decoder takes and which it leaves to the CPU (and why), on real files made here, and the geometry
/// it reports, against the CPU path's. None of this needs a GPU.
/// </summary>
public class GpuRoutingTests
{
    private static readonly PreprocessSpec Crop224 = new(224, 224, ResizeMode.CenterCrop, 0.875);

    private static (GpuResizePlan? Plan, GpuFallback? Fallback) Route(string path, PreprocessSpec? spec = null, long maxPixels = 100_000_000, bool hardware = false) =>
        GpuRouting.Route(File.ReadAllBytes(path), spec ?? Crop224, maxPixels, hardware);

    private static string Jpeg(TempDir dir, string name, Action<Image, string> save, int width = 800, int height = 600)
    {
        using var img = TestImages.Gradient(width, height);
        save(img, dir[name]);
        return dir[name];
    }

    [Fact]
    public void A_baseline_colour_jpeg_goes_to_the_gpu_with_its_size()
    {
        using var dir = new TempDir();
        var (plan, fallback) = Route(Jpeg(dir, "baseline.jpg", (i, p) => i.Jpegsave(p, q: 90)));
        Assert.Null(fallback);
        Assert.Equal((800, 600), (plan!.Value.SourceWidth, plan.Value.SourceHeight));
    }

    [Theory]
    [InlineData("progressive.jpg", false, null)]
    [InlineData("progressive.jpg", true, "hardware_unsupported")]
    [InlineData("cmyk.jpg", false, "cmyk")]
    [InlineData("grey.jpg", false, "grey")]
    [InlineData("rotated.jpg", false, "rotated")]
    [InlineData("image.png", false, "not_jpeg")]
    [InlineData("truncated.jpg", false, "no_end_marker")]
    [InlineData("trailing-data.jpg", false, "no_end_marker")]
    [InlineData("small.jpg", false, "enlarged")]
    [InlineData("text.jpg", false, "not_jpeg")]
    public void Files_the_gpu_should_not_decode_go_to_the_cpu_with_the_reason(string name, bool hardware, string? expected)
    {
        using var dir = new TempDir();
        var path = dir[name];
        using (var rgb = TestImages.Gradient(800, 600))
        {
            switch (name)
            {
                case "progressive.jpg": rgb.Jpegsave(path, interlace: true); break;
                case "cmyk.jpg": using (var c = rgb.Colourspace(Enums.Interpretation.Cmyk)) c.Jpegsave(path); break;
                case "grey.jpg": using (var g = rgb.Colourspace(Enums.Interpretation.Bw)) g.Jpegsave(path); break;
                case "rotated.jpg": using (var r = rgb.Mutate(m => m.Set(GValue.GIntType, "orientation", 6))) r.Jpegsave(path); break;
                case "image.png": rgb.Pngsave(path); break;
                case "truncated.jpg": { var b = rgb.JpegsaveBuffer(); File.WriteAllBytes(path, b[..(b.Length / 2)]); break; }
                case "trailing-data.jpg": File.WriteAllBytes(path, [.. rgb.JpegsaveBuffer(), .. "appended by an uploader"u8]); break;
                case "small.jpg": using (var s = rgb.Crop(0, 0, 200, 150)) s.Jpegsave(path); break;
                case "text.jpg": File.WriteAllText(path, "<html>not an image</html>"); break;
            }
        }
        var (plan, fallback) = Route(path, hardware: hardware);
        Assert.Equal(expected, fallback?.Name);
        Assert.Equal(expected is null, plan is not null);
        if (fallback is not null) Assert.False(string.IsNullOrWhiteSpace(fallback.Detail));
    }

    [Fact]
    public void A_header_over_the_pixel_limit_is_left_to_the_cpu_which_refuses_it()
    {
        using var dir = new TempDir();
        var path = Jpeg(dir, "big.jpg", (i, p) => i.Jpegsave(p));
        var (_, fallback) = Route(path, maxPixels: 100_000);
        Assert.Equal(GpuFallbackReason.TooLarge, fallback?.Reason);
        var cpu = Assert.Throws<ImageException>(() => new ImageDecoder(Crop224, 100_000).Decode(new InputItem("big.jpg", path)));
        Assert.Equal("too_large", cpu.Type);
    }

    [Theory]
    [InlineData(1, null)] [InlineData(2, 2)] [InlineData(3, 3)] [InlineData(4, 4)]
    [InlineData(5, 5)] [InlineData(6, 6)] [InlineData(7, 7)] [InlineData(8, 8)]
    public void Only_upright_photos_go_to_the_gpu(int orientation, int? leftToCpu)
    {
        using var dir = new TempDir();
        using var img = TestImages.Gradient(800, 600);
        using var tagged = img.Mutate(m => m.Set(GValue.GIntType, "orientation", orientation));
        tagged.Jpegsave(dir["o.jpg"]);
        var (_, fallback) = Route(dir["o.jpg"]);
        Assert.Equal(leftToCpu is null ? null : GpuFallbackReason.Rotated, fallback?.Reason);
        // The orientation read here is the one the CPU fast path (Skia) turns the image by.
        using (var codec = SKCodec.Create(dir["o.jpg"])) Assert.Equal((SKEncodedOrigin)orientation, codec.EncodedOrigin);
        if (leftToCpu is { } o) Assert.Contains($"orientation {o}", fallback!.Detail);
    }

    [Theory]
    [InlineData(nameof(ResizeMode.Stretch))]
    [InlineData(nameof(ResizeMode.CenterCrop))]
    [InlineData(nameof(ResizeMode.Letterbox))]
    public void The_gpu_resize_reports_the_cpu_paths_geometry_in_every_mode(string modeName)
    {
        var mode = Enum.Parse<ResizeMode>(modeName);
        using var dir = new TempDir();
        var path = Jpeg(dir, "wide.jpg", (i, p) => i.Jpegsave(p, q: 90), 900, 500);
        var spec = new PreprocessSpec(224, 160, mode, 0.875);
        var cpu = new ImageDecoder(spec, 100_000_000).Decode(new InputItem("wide.jpg", path));
        var plan = Route(path, spec).Plan!.Value;

        Assert.Equal((cpu.OriginalWidth, cpu.OriginalHeight), (plan.SourceWidth, plan.SourceHeight));
        Assert.Equal(cpu.Geometry, plan.Geometry);
        // What lands on the canvas: all of it for stretch and letterbox (padded around), the middle for a crop.
        var w = plan.Window;
        Assert.Equal((224, 160), (plan.CanvasWidth, plan.CanvasHeight));
        switch (mode)
        {
            case ResizeMode.Stretch:
                Assert.True(plan is { FitsCanvas: true, Pads: false });
                Assert.Equal((0, 0, 0, 0, 224, 160), w);
                break;
            case ResizeMode.CenterCrop:
                Assert.True(plan is { FitsCanvas: false, Pads: false });
                Assert.Equal((-plan.Place.X, -plan.Place.Y, 0, 0, 224, 160), w);
                Assert.True(w.FromX + w.Width <= plan.Place.Width && w.FromY + w.Height <= plan.Place.Height);
                break;
            case ResizeMode.Letterbox:
                Assert.True(plan is { FitsCanvas: true, Pads: true });
                Assert.Equal((0, 0, plan.Place.X, plan.Place.Y, plan.Place.Width, plan.Place.Height), w);
                break;
        }
        Assert.Equal(CudaConst.InterSuper, plan.Interpolation);
    }

    [Fact]
    public void Real_photos_go_to_the_gpu_only_where_the_cpu_fast_path_takes_them_and_with_its_geometry()
    {
        var spec = new PreprocessSpec(224, 224, ResizeMode.CenterCrop, 0.875);
        var reasons = new Dictionary<string, int>();
        var onGpu = 0;
        foreach (var photo in Directory.GetFiles(TestPaths.Photos))
        {
            var (plan, fallback) = Route(photo, spec);
            if (fallback is not null)
            {
                reasons[fallback.Name] = reasons.GetValueOrDefault(fallback.Name) + 1;
                continue;
            }
            onGpu++;
            using (var codec = SKCodec.Create(photo)) Assert.Equal(SKEncodedOrigin.TopLeft, codec.EncodedOrigin);
            using var bytes = FileBytes.Read(photo);
            var fast = JpegFastDecoder.TryDecode(bytes, new InputItem(Path.GetFileName(photo), photo), spec, 100_000_000);
            Assert.True(fast is not null, $"{photo} goes to the GPU but the CPU fast path would not take it");
            Assert.Equal((fast.OriginalWidth, fast.OriginalHeight, fast.Geometry), (plan!.Value.SourceWidth, plan.Value.SourceHeight, plan.Value.Geometry));
        }
        TestContext.Current.SendDiagnosticMessage($"{onGpu} photos to the GPU; to the CPU: {string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value}"))}");
        Assert.True(onGpu > 0, "no photo routed to the GPU");
    }

    [Fact]
    public void Without_cuda_the_probe_says_what_is_missing_and_the_decoder_refuses_to_start()
    {
        var probe = GpuDecodeSupport.Probe();
        Assert.SkipWhen(probe.Available, $"nvJPEG is available here: {probe.Summary}");
        Assert.False(string.IsNullOrWhiteSpace(probe.Problem));
        Assert.StartsWith("not available: ", probe.Summary);
        if (CudaApi.Instance.Api is null)
        {
            // No libraries at all: the reason names the runtime of each CUDA version tried and where it looked.
            Assert.Contains("CUDA 13", probe.Problem);
            Assert.Contains("CUDA 12", probe.Problem);
            Assert.Contains("/usr/local/cuda/lib64", probe.Problem);
        }
        var e = Assert.Throws<GpuDecodeUnavailableException>(() => new NvJpegBatchDecoder(Crop224, 8, 100_000_000));
        Assert.Contains(probe.Problem!, e.Message);
    }

    [Fact]
    public void The_shared_header_reader_keeps_the_cpu_fast_paths_choices()
    {
        using var dir = new TempDir();
        using var rgb = TestImages.Gradient(60, 20);
        using (var cmyk = rgb.Colourspace(Enums.Interpretation.Cmyk)) cmyk.Jpegsave(dir["cmyk.jpg"]);
        using (var grey = rgb.Colourspace(Enums.Interpretation.Bw)) grey.Jpegsave(dir["grey.jpg"]);
        rgb.Jpegsave(dir["rgb.jpg"]);
        rgb.Pngsave(dir["rgb.png"]);
        Assert.Equal([false, true, true, false],
            new[] { "cmyk.jpg", "grey.jpg", "rgb.jpg", "rgb.png" }.Select(f => JpegFastDecoder.IsColourOrGreyJpeg(File.ReadAllBytes(dir[f]))));
        var header = JpegHeader.Read(dir["rgb.jpg"])!;
        Assert.Equal((0xC0, 8, 60, 20, 3, 1), (header.FrameMarker, header.Precision, header.Width, header.Height, header.Components, header.Orientation));
        Assert.True(JpegHeader.EndsWithEndOfImage(File.ReadAllBytes(dir["rgb.jpg"])));
    }
}
