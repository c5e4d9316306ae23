using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NetVips;
using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Decode.Gpu;
using Wanwu.Models;
using Wanwu.Models.Onnx;
using Wanwu.Sources;
using static Wanwu.Models.Onnx.OnnxGraphBuilder;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Tests;

/// <summary>
/// nvJPEG on a real GPU against wanwu's CPU decoder: same geometry, nearly the same pixels, files it should not take
/// handed back with their reason, and the device batch read by ONNX Runtime's CUDA provider. Skipped without a GPU.
/// </summary>
public class NvJpegBatchDecoderTests
{
    private static void RequireGpu()
    {
        var probe = GpuDecodeSupport.Probe();
        Assert.SkipUnless(probe.Available, $"no GPU JPEG decoding here: {probe.Problem}");
    }

    private static GpuJpeg Read(string path) => new(new InputItem(Path.GetFileName(path), path), File.ReadAllBytes(path));

    private static (double Mean, int Max) Difference(byte[] a, byte[] b) =>
        (a.Zip(b, (x, y) => Math.Abs(x - y)).Average(), a.Zip(b, (x, y) => Math.Abs(x - y)).Max());

    [Theory]
    [InlineData(nameof(ResizeMode.CenterCrop))]
    [InlineData(nameof(ResizeMode.Stretch))]
    [InlineData(nameof(ResizeMode.Letterbox))]
    public void Real_photos_decode_on_the_gpu_like_the_cpu_path_and_the_rest_come_back_with_a_reason(string modeName)
    {
        var mode = Enum.Parse<ResizeMode>(modeName);
        RequireGpu();
        using var dir = new TempDir();
        using (var rgb = TestImages.Gradient(800, 600))
        {
            using (var c = rgb.Colourspace(Enums.Interpretation.Cmyk)) c.Jpegsave(dir["cmyk.jpg"]);
            var bytes = rgb.JpegsaveBuffer(q: 90);
            File.WriteAllBytes(dir["truncated.jpg"], bytes[..(bytes.Length / 2)]);
            // Valid markers and end, scrambled image data: nvJPEG decodes garbage or refuses it, and never stops the batch.
            var scrambled = (byte[])bytes.Clone();
            new Random(3).NextBytes(scrambled.AsSpan(scrambled.Length / 2, 400));
            File.WriteAllBytes(dir["scrambled.jpg"], scrambled);
        }
        var spec = new PreprocessSpec(224, 224, mode, 0.875);
        var files = TestPaths.SomePhotos(13).Concat(new[] { "cmyk.jpg", "truncated.jpg", "scrambled.jpg" }.Select(f => dir[f])).ToList();
        using var decoder = new NvJpegBatchDecoder(spec, files.Count, 100_000_000);
        var results = decoder.Decode(files.Select(Read).ToList());

        Assert.Equal(files.Count, results.Count);
        Assert.Equal(GpuFallbackReason.Cmyk, results[^3].Fallback?.Reason);
        Assert.Equal(GpuFallbackReason.NoEndMarker, results[^2].Fallback?.Reason);
        Assert.True(results[^1].OnGpu || results[^1].Fallback!.Reason == GpuFallbackReason.NvJpegError, results[^1].Fallback?.Detail);
        var cpuDecoder = new ImageDecoder(spec, 100_000_000);
        var pixels = new byte[decoder.BytesPerImage];
        for (var i = 0; i < files.Count - 3; i++)
        {
            if (!results[i].OnGpu) continue;
            var cpu = cpuDecoder.Decode(results[i].Item);
            Assert.Equal((cpu.OriginalWidth, cpu.OriginalHeight), results[i].OriginalSize);
            Assert.Equal(cpu.Geometry, results[i].Plan!.Value.Geometry);
            decoder.Download(i, pixels);
            var (mean, max) = Difference(cpu.Pixels, pixels);
            TestContext.Current.SendDiagnosticMessage($"{results[i].Item.Path}: mean difference {mean:0.00}, max {max}");
            Assert.True(mean < 6, $"{results[i].Item.Path}: mean difference {mean:0.0} from the CPU path");
        }
        Assert.True(results.Take(files.Count - 3).Count(r => r.OnGpu) >= 10, string.Join("; ", results.Where(r => !r.OnGpu).Select(r => $"{r.Item.Path}: {r.Fallback}")));
    }

    [Fact]
    public void Letterbox_padding_is_the_pad_grey_and_cpu_images_can_be_uploaded_into_their_slots()
    {
        RequireGpu();
        using var dir = new TempDir();
        using (var rgb = TestImages.Gradient(800, 400)) rgb.Jpegsave(dir["wide.jpg"], q: 95);
        var spec = new PreprocessSpec(128, 128, ResizeMode.Letterbox, PadValue: 114);
        using var decoder = new NvJpegBatchDecoder(spec, 2, 100_000_000);
        var result = decoder.Decode([Read(dir["wide.jpg"])])[0];
        var plan = result.Plan!.Value;
        var pixels = new byte[decoder.BytesPerImage];
        decoder.Download(0, pixels);
        // Scale 0.16: 128x64 of image, 32 rows of padding above and below.
        Assert.Equal((128, 64, 0, 32), (plan.Place.Width, plan.Place.Height, plan.Place.X, plan.Place.Y));
        Assert.All(pixels[..(32 * 128 * 3)], p => Assert.Equal(114, p));
        Assert.All(pixels[(96 * 128 * 3)..], p => Assert.Equal(114, p));

        var cpu = new byte[decoder.BytesPerImage];
        new Random(1).NextBytes(cpu);
        decoder.Upload(1, cpu);
        decoder.Download(1, pixels);
        Assert.Equal(cpu, pixels);
    }

    [Fact]
    public void A_batch_larger_than_the_decode_buffer_is_decoded_in_rounds()
    {
        RequireGpu();
        using var dir = new TempDir();
        using (var rgb = TestImages.Gradient(1920, 1080)) rgb.Jpegsave(dir["hd.jpg"], q: 90);
        using (var rgb = TestImages.Gradient(4000, 3000)) rgb.Jpegsave(dir["big.jpg"], q: 90);
        var spec = new PreprocessSpec(224, 224, ResizeMode.CenterCrop, 0.875);
        // 16 MiB: two 1080p images a round; the 12-megapixel one (36 MB decoded) does not fit at all.
        using var decoder = new NvJpegBatchDecoder(spec, 6, 100_000_000, decodeBufferBytes: 16L << 20);
        var results = decoder.Decode([.. Enumerable.Repeat(Read(dir["hd.jpg"]), 5), Read(dir["big.jpg"])]);
        Assert.All(results.Take(5), r => Assert.True(r.OnGpu, r.Fallback?.Detail));
        Assert.Equal(GpuFallbackReason.TooLargeForBuffer, results[5].Fallback?.Reason);
        var first = new byte[decoder.BytesPerImage];
        var last = new byte[decoder.BytesPerImage];
        decoder.Download(0, first);
        decoder.Download(4, last);
        Assert.Equal(first, last);
    }

    [Fact]
    public void Onnx_runtime_on_cuda_reads_the_device_batch_through_an_adapted_model()
    {
        RequireGpu();
        Assert.SkipUnless(ExecutionProviders.Available.Contains(ExecutionProviders.Cuda), "this ONNX Runtime has no CUDA provider (docs/gpu.md)");
        using var dir = new TempDir();
        // Scores = mean of each channel after ImageNet normalisation, NCHW float32 like a PyTorch export.
        var g = new OnnxGraphBuilder();
        g.Reserve("scores");
        g.Input("pixels", DataType.Float, -1, 3, 96, 128);
        var scores = g.NodeNamed("ReduceMean", "scores", ["pixels", g.Int64s("axes", 2, 3)], Attr("keepdims", 0L));
        g.Output(scores, DataType.Float, -1, 3);
        var spec = new ModelSpec
        {
            Name = "means", Task = "classify", InputName = "pixels", Layout = InputLayout.Nchw, Dtype = InputDtype.Float32,
            Width = 128, Height = 96, Resize = ResizeMode.CenterCrop, PixelScale = 255, Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225],
            Head = new ClassifierOutput(0, ScoreKind.Logits), Labels = new LabelSet([]),
        };
        File.WriteAllBytes(dir["adapted.onnx"], OnnxInputAdapter.Adapt(g.Build(), spec).ToByteArray());

        var photos = TestPaths.SomePhotos(4);
        using var decoder = new NvJpegBatchDecoder(spec.Preprocess, photos.Count, 100_000_000);
        var results = decoder.Decode(photos.Select(Read).ToList());
        var host = new byte[photos.Count * decoder.BytesPerImage];
        for (var i = 0; i < photos.Count; i++)
        {
            var slot = host.AsSpan((int)(i * decoder.BytesPerImage), (int)decoder.BytesPerImage);
            if (results[i].OnGpu) decoder.Download(i, slot);
            else
            {
                new ImageDecoder(spec.Preprocess, 100_000_000).Decode(results[i].Item).Pixels.CopyTo(slot);
                decoder.Upload(i, slot);
            }
        }

        using var cuda = OnnxBackend.OpenSession(dir["adapted.onnx"], 1, new DeviceSpec(DeviceKind.Cuda, 0));
        using var binding = cuda.CreateIoBinding();
        using var memory = Backends.ExecutionProviders.CudaMemory(0);
        using var input = OnnxDeviceInput.Bind(binding, "pixels", memory, decoder, photos.Count);
        binding.BindOutputToDevice("scores", OrtMemoryInfo.DefaultInstance);
        using var options = new RunOptions();
        cuda.RunWithBinding(options, binding);
        using var outputs = binding.GetOutputValues();
        var onDevice = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        using var cpu = new InferenceSession(dir["adapted.onnx"]);
        using var hostInput = OrtValue.CreateTensorValueFromMemory(host, [photos.Count, 96, 128, 3]);
        using var cpuOutputs = cpu.Run(options, ["pixels"], [hostInput], ["scores"]);
        var onHost = cpuOutputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(photos.Count * 3, onDevice.Length);
        Assert.All(onDevice.Zip(onHost), p => Assert.Equal(p.Second, p.First, 1e-3));
    }

    [Fact]
    public void A_device_pointer_is_wrapped_as_cuda_memory_without_touching_it()
    {
        // No GPU needed: the OrtValue only describes the memory; nothing reads it until a CUDA session runs.
        using var memory = Backends.ExecutionProviders.CudaMemory(1);
        using var value = OnnxDeviceInput.Wrap(memory, 0x7000_0000, 4, 224, 224);
        var info = value.GetTensorTypeAndShape();
        Assert.Equal(TensorElementType.UInt8, info.ElementDataType);
        Assert.Equal([4L, 224, 224, 3], info.Shape);
        using var where = value.GetTensorMemoryInfo();
        Assert.Equal(("Cuda", 1, OrtMemoryInfoDeviceType.GPU), (where.Name, where.Id, where.GetDeviceType()));
    }
}
