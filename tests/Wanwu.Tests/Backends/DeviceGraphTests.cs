using Google.Protobuf;
using Wanwu.Backends;
using Wanwu.Engine;
using Wanwu.Models;

namespace Wanwu.Tests;

/// <summary>
/// The graph a GPU session loads (float16, softmax and top-k appended) gives the labels the CPU's float32 run gives.
/// The graph change is device-independent, so it is checked here on the CPU build of ONNX Runtime.
/// </summary>
public class DeviceGraphTests
{
    private const int Classes = 12_000;

    private static string WriteModel(TempDir dir)
    {
        Directory.CreateDirectory(dir["model"]);
        File.WriteAllBytes(dir["model/model.onnx"], OnnxTestKit.ConvNet(Classes, seed: 5).ToByteArray());
        File.WriteAllLines(dir["model/labels.txt"], Enumerable.Range(0, Classes).Select(i => $"类别{i}"));
        File.WriteAllText(dir["model/wanwu.json"], """{ "task": "classify", "input": { "resize": "stretch", "pixel_scale": 1 }, "output": { "kind": "logits" } }""");
        return dir["model"];
    }

    [Fact]
    public async Task The_gpu_graph_in_float16_with_the_head_appended_gives_the_float32_labels()
    {
        using var dir = new TempDir();
        var model = WriteModel(dir);
        var photos = TestPaths.SomePhotos(12);
        // The reference is float32 on the CPU: a GPU build would otherwise run it on CUDA, whose float32 convolutions are TF32.
        var fp32 = await ModelTestKit.TagAsync(model, photos, o => o with { Model = o.Model with { Precision = Precision.Fp32, CacheDir = dir["cache"], Devices = ["cpu"] } });

        var (onnx, spec) = ModelLoader.Describe(model, dir["cache"]);
        var variant = DeviceGraph.Prepare(onnx, spec, Precision.Fp16, onGpu: true, dir["cache"], log: null);
        Assert.Equal("fp16", variant.Precision);
        var head = Assert.IsType<TopKOutput>(variant.Spec.Head);
        Assert.Equal(["topk_scores", "topk_indices"], [variant.Spec.Outputs[head.Scores], variant.Spec.Outputs[head.Indices]]);

        // The variant is made once and cached: asking again opens the same file.
        Assert.Equal(variant.OnnxPath, DeviceGraph.Prepare(onnx, spec, Precision.Fp16, onGpu: true, dir["cache"], log: null).OnnxPath);

        using var backend = new OnnxBackend(variant.OnnxPath, variant.Spec, 2);
        using var loaded = new LoadedModel(variant.Spec, [backend], variant.OnnxPath, 4);
        var post = loaded.CreatePostprocessor(new PostprocessOptions());
        var decoder = new Decode.ImageDecoder(spec.Preprocess, 100_000_000);
        var maxDiff = 0f;
        foreach (var photo in photos)
        {
            var image = Engine.TaggingPipeline.DecodeOne(decoder, new Sources.InputItem(Path.GetFileName(photo), photo)).Image!;
            var outputs = backend.Run([image]);
            Assert.Equal(2, outputs.Count);
            Assert.Equal(DeviceGraph.InGraphTopK, outputs[0].RowLength);  // only k scores per image came back
            var labels = post.Process(image, outputs, 0).Labels;
            var reference = fp32[photo].Labels;
            Assert.Equal(reference[0].Id, labels[0].Id);
            Assert.Equal(5, labels.Count);
            maxDiff = Math.Max(maxDiff, Math.Abs(reference[0].Score - labels[0].Score));
        }
        Assert.True(maxDiff < 0.01, $"top-1 probability differs by {maxDiff}");
    }

    [Fact]
    public void On_the_cpu_a_model_runs_as_it_is_unless_float16_is_asked_for()
    {
        using var dir = new TempDir();
        var (onnx, spec) = ModelLoader.Describe(WriteModel(dir), dir["cache"]);
        var cpu = DeviceGraph.Prepare(onnx, spec, Precision.Auto, onGpu: false, dir["cache"], log: null);
        Assert.Equal((onnx, "as-is"), (cpu.OnnxPath, cpu.Precision));
        Assert.IsType<ClassifierOutput>(cpu.Spec.Head);

        // An int8 model is not converted: it runs as it is, with the head appended on a GPU.
        var (mobileOnnx, mobile) = ModelLoader.Describe(TestPaths.MobileNet, dir["cache"]);
        var log = new StringWriter();
        var int8 = DeviceGraph.Prepare(mobileOnnx, mobile, Precision.Auto, onGpu: true, dir["cache"], log);
        Assert.Equal("as-is", int8.Precision);
        Assert.Contains("quantised", log.ToString());
        Assert.IsType<TopKOutput>(int8.Spec.Head);
    }

    [Fact]
    public void A_run_padded_to_the_kept_batch_shape_gives_the_rows_of_the_run_as_it_is()
    {
        // A GPU keeps one batch shape so that its kernels are searched once; the padding is device-independent.
        using var dir = new TempDir();
        var (onnx, spec) = ModelLoader.Describe(WriteModel(dir), dir["cache"]);
        var variant = DeviceGraph.Prepare(onnx, spec, Precision.Fp32, onGpu: true, dir["cache"], log: null);
        var decoder = new Decode.ImageDecoder(spec.Preprocess, 100_000_000);
        var images = TestPaths.SomePhotos(3)
            .Select(p => Engine.TaggingPipeline.DecodeOne(decoder, new Sources.InputItem(Path.GetFileName(p), p)).Image!).ToList();
        using var plain = new OnnxBackend(variant.OnnxPath, variant.Spec, 2);
        using var padded = new OnnxBackend(variant.OnnxPath, variant.Spec, 2);
        padded.KeepShape(BatchProbe.SyntheticImage(variant.Spec), 8);
        Assert.Equal(8, padded.PaddedBatch);

        var expected = plain.Run(images);
        var actual = padded.Run(images);
        Assert.Equal(expected.Select(o => o.Shape), actual.Select(o => o.Shape));
        Assert.Equal(3, actual[0].Shape[0]);
        // Same rows; a different batch may sum in another order, so scores agree to float32's rounding, not bit for bit.
        for (var o = 0; o < expected.Count; o++)
            Assert.True(expected[o].Data.Zip(actual[o].Data).All(p => Math.Abs(p.First - p.Second) < 1e-4f), $"output {expected[o].Name} differs");
    }
}
