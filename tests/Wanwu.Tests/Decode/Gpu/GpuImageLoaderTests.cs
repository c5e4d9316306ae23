using Wanwu.Decode;
using Wanwu.Decode.Gpu;
using Wanwu.Sources;

namespace Wanwu.Tests;

/// <summary>The decode stage of a GPU model: JPEG bytes for the device, pixels from the CPU for what nvJPEG cannot take. No GPU needed.</summary>
public class GpuImageLoaderTests
{
    private static readonly PreprocessSpec Crop224 = new(224, 224, ResizeMode.CenterCrop, 0.875);

    [Fact]
    public void A_jpeg_goes_to_the_device_and_a_png_to_the_cpu_every_time()
    {
        using var dir = new TempDir();
        using (var img = TestImages.Gradient(800, 600))
        {
            img.Jpegsave(dir["photo.jpg"], q: 90);
            img.Pngsave(dir["photo.png"]);
        }
        var jpeg = new InputItem("photo.jpg", dir["photo.jpg"]);
        var png = new InputItem("photo.png", dir["photo.png"]);
        var cpu = new ImageDecoder(Crop224, 100_000_000);
        var loader = new GpuImageLoader(Crop224, 100_000_000, hardware: false, cpu);

        // The route depends on the file alone, so a second run (or another GPU) gets the same pixels.
        for (var run = 0; run < 3; run++)
        {
            var toDevice = loader.Load(jpeg);
            Assert.NotNull(toDevice.Jpeg);
            Assert.Empty(toDevice.Pixels);
            var onCpu = loader.Load(png);
            Assert.Null(onCpu.Jpeg);
            Assert.Equal(224 * 224 * 3, onCpu.Pixels.Length);
        }

        // The JPEG handed to the device is the image the CPU would decode: its size, geometry and content hash.
        var device = loader.Load(jpeg);
        var reference = cpu.Decode(jpeg);
        Assert.Equal((reference.OriginalWidth, reference.OriginalHeight, reference.Hash), (device.OriginalWidth, device.OriginalHeight, device.Hash));
    }
}
