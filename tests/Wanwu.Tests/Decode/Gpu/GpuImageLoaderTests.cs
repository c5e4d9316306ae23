using Wanwu.Decode;
using Wanwu.Decode.Gpu;
using Wanwu.Sources;

namespace Wanwu.Tests;

/// <summary>The decode stage of a GPU model: JPEG bytes for the device, or pixels from the CPU while the device is behind. No GPU needed.</summary>
public class GpuImageLoaderTests
{
    private static readonly PreprocessSpec Crop224 = new(224, 224, ResizeMode.CenterCrop, 0.875);

    [Fact]
    public void A_jpeg_goes_to_the_device_unless_the_device_is_behind()
    {
        using var dir = new TempDir();
        using (var img = TestImages.Gradient(800, 600)) img.Jpegsave(dir["photo.jpg"], q: 90);
        var item = new InputItem("photo.jpg", dir["photo.jpg"]);
        var cpu = new ImageDecoder(Crop224, 100_000_000);
        var behind = false;
        var loader = new GpuImageLoader(Crop224, 100_000_000, hardware: false, cpu, () => behind);

        var toDevice = loader.Load(item);
        Assert.NotNull(toDevice.Jpeg);
        Assert.Empty(toDevice.Pixels);

        behind = true;
        var onCpu = loader.Load(item);
        Assert.Null(onCpu.Jpeg);
        Assert.Equal(224 * 224 * 3, onCpu.Pixels.Length);
        // The same image either way: its size, geometry and content hash.
        Assert.Equal((toDevice.OriginalWidth, toDevice.OriginalHeight, toDevice.Hash), (onCpu.OriginalWidth, onCpu.OriginalHeight, onCpu.Hash));
    }
}
