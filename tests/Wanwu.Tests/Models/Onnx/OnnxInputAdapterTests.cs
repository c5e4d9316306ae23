using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Models.Onnx;
using Wanwu.Sources;
using static Wanwu.Models.Onnx.OnnxGraphBuilder;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Tests;

/// <summary>
/// A model adapted to take uint8 RGB [N, H, W, 3] gives, fed the decoder's bytes, what the original gives fed
/// <see cref="InputEncoder"/>'s encoding of them: real ONNX models built here and the shared ones, run by ONNX Runtime.
/// </summary>
public class OnnxInputAdapterTests
{
    private const int W = 6, H = 5, Batch = 2;
    private static readonly double[] ImageNetMean = [0.485, 0.456, 0.406], ImageNetStd = [0.229, 0.224, 0.225];

    /// <summary>Scores = flattened input × a fixed random matrix: every channel and position counts, so a wrong layout shows.</summary>
    private static ModelProto Model(DataType type, InputLayout layout)
    {
        var g = new OnnxGraphBuilder();
        g.Reserve("scores");
        g.Input("pixels", type, layout == InputLayout.Nchw ? [-1, 3, H, W] : [-1, H, W, 3]);
        var x = type == DataType.Float ? "pixels" : g.Node("Cast", "f32", ["pixels"], Attr("to", (long)DataType.Float));
        var flat = g.Node("Flatten", "flat", [x], Attr("axis", 1L));
        var random = new Random(11);
        var weights = Enumerable.Range(0, 3 * H * W * 5).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var scores = g.NodeNamed("MatMul", "scores", [flat, g.Floats("w", [3 * H * W, 5], weights)]);
        g.Output(scores, DataType.Float, -1, 5);
        return g.Build();
    }

    private static ModelSpec Spec(InputDtype dtype, InputLayout layout, double scale, double[] mean, double[] std) => new()
    {
        Name = "test", Task = "classify", InputName = "pixels", Layout = layout, Dtype = dtype, Width = W, Height = H,
        Resize = ResizeMode.Stretch, PixelScale = scale, Mean = mean, Std = std,
        Head = new ClassifierOutput(0, ScoreKind.Logits), Labels = new LabelSet([]),
    };

    private static DecodedImage[] Images(int count, int width, int height)
    {
        var random = new Random(5);
        return Enumerable.Range(0, count).Select(i =>
        {
            var px = new byte[width * height * 3];
            random.NextBytes(px);
            return new DecodedImage(new InputItem($"{i}.jpg", $"{i}.jpg"), px, width, height, width, height, default);
        }).ToArray();
    }

    /// <summary>The original model's input, made the way OnnxBackend makes it.</summary>
    private static OrtValue Encoded(ModelSpec spec, DecodedImage[] images)
    {
        var encoder = new InputEncoder(spec);
        var per = encoder.ElementsPerImage;
        long[] shape = spec.Layout == InputLayout.Nhwc ? [images.Length, spec.Height, spec.Width, 3] : [images.Length, 3, spec.Height, spec.Width];
        switch (spec.Dtype)
        {
            case InputDtype.Uint8:
            {
                var bytes = new byte[images.Length * per];
                for (var i = 0; i < images.Length; i++) encoder.Encode(images[i], bytes.AsSpan(i * per, per));
                return OrtValue.CreateTensorValueFromMemory(bytes, shape);
            }
            case InputDtype.Float32:
            {
                var floats = new float[images.Length * per];
                for (var i = 0; i < images.Length; i++) encoder.Encode(images[i], floats.AsSpan(i * per, per));
                return OrtValue.CreateTensorValueFromMemory(floats, shape);
            }
            default:
            {
                var floats = new float[images.Length * per];
                for (var i = 0; i < images.Length; i++) encoder.Encode(images[i], floats.AsSpan(i * per, per));
                return OrtValue.CreateTensorValueFromMemory(floats.Select(f => (Float16)f).ToArray(), shape);
            }
        }
    }

    /// <summary>What the GPU decoder hands over: the decoded bytes, image after image.</summary>
    private static OrtValue Raw(DecodedImage[] images) =>
        OrtValue.CreateTensorValueFromMemory(images.SelectMany(i => i.Pixels).ToArray(), [images.Length, images[0].Height, images[0].Width, 3]);

    private static float[][] Run(byte[] model, string input, OrtValue value)
    {
        using var session = new InferenceSession(model);
        using var options = new RunOptions();
        using var outputs = session.Run(options, [input], [value], session.OutputNames);
        return outputs.Select(o => o.GetTensorDataAsSpan<float>().ToArray()).ToArray();
    }

    private static void AssertClose(float[][] expected, float[][] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var o = 0; o < expected.Length; o++)
        {
            Assert.Equal(expected[o].Length, actual[o].Length);
            var worst = expected[o].Zip(actual[o], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= tolerance, $"output {o} differs by up to {worst}");
        }
    }

    [Theory]
    [InlineData(nameof(InputDtype.Float32), nameof(InputLayout.Nchw))]
    [InlineData(nameof(InputDtype.Float32), nameof(InputLayout.Nhwc))]
    [InlineData(nameof(InputDtype.Float16), nameof(InputLayout.Nchw))]
    [InlineData(nameof(InputDtype.Float16), nameof(InputLayout.Nhwc))]
    [InlineData(nameof(InputDtype.Uint8), nameof(InputLayout.Nchw))]
    public void The_adapted_model_fed_bytes_gives_the_original_fed_the_encoders_input(string dtypeName, string layoutName)
    {
        var (dtype, layout) = (Enum.Parse<InputDtype>(dtypeName), Enum.Parse<InputLayout>(layoutName));
        var type = dtype switch { InputDtype.Float16 => DataType.Float16, InputDtype.Uint8 => DataType.Uint8, _ => DataType.Float };
        var spec = dtype == InputDtype.Uint8 ? Spec(dtype, layout, 1, [0, 0, 0], [1, 1, 1])
            : layout == InputLayout.Nchw ? Spec(dtype, layout, 255, ImageNetMean, ImageNetStd)
            : Spec(dtype, layout, 127.5, [1, 1, 1], [1, 1, 1]);   // TF-style -1..1, as NHWC exports do
        var original = Model(type, layout);
        var adapted = OnnxInputAdapter.Adapt(original, spec);
        var images = Images(Batch, W, H);

        using var encoded = Encoded(spec, images);
        using var raw = Raw(images);
        var expected = Run(original.ToByteArray(), "pixels", encoded);
        var actual = Run(adapted.ToByteArray(), "pixels", raw);
        AssertClose(expected, actual, 1e-4);

        var input = adapted.Graph.Input.Single(i => i.Name == "pixels").Type.TensorType;
        Assert.Equal((int)DataType.Uint8, input.ElemType);
        Assert.Equal(["N", "5", "6", "3"], input.Shape.Dim.Select(d => d.DimParam is { Length: > 0 } p ? p : d.DimValue.ToString()));
        Assert.Contains(adapted.MetadataProps, p => p.Key == OnnxInputAdapter.MetadataKey);
        Assert.Single(original.Graph.Input.Single().Type.TensorType.Shape.Dim, d => d.DimValue == 3);   // the original is untouched
    }

    [Theory]
    [InlineData("models/st-mobilenet")]
    [InlineData("models/st-ssd-coco")]
    public void The_shared_models_adapted_give_the_same_outputs_on_a_real_photo(string model)
    {
        var (onnx, spec) = ModelLoader.Describe(TestPaths.RequireShared(model));
        var photo = TestPaths.SomePhotos(1)[0];
        var image = new ImageDecoder(spec.Preprocess, 100_000_000).Decode(new InputItem(Path.GetFileName(photo), photo));
        var adapted = OnnxInputAdapter.Adapt(ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx)), spec);

        using var encoded = Encoded(spec, [image]);
        using var raw = Raw([image]);
        AssertClose(Run(File.ReadAllBytes(onnx), spec.InputName, encoded), Run(adapted.ToByteArray(), spec.InputName, raw), 1e-4);
    }

    [Fact]
    public void An_adapted_file_loads_as_a_uint8_nhwc_model_whose_spec_needs_no_encoding()
    {
        using var dir = new TempDir();
        var spec = Spec(InputDtype.Float32, InputLayout.Nchw, 255, ImageNetMean, ImageNetStd);
        File.WriteAllBytes(dir["model.onnx"], Model(DataType.Float, InputLayout.Nchw).ToByteArray());
        OnnxInputAdapter.AdaptFile(dir["model.onnx"], dir["adapted.onnx"], spec);

        using var session = new InferenceSession(dir["adapted.onnx"]);
        var card = ModelDescriber.Infer(session).Input;
        Assert.Equal(("uint8", "NHWC", W, H), (card.Dtype, card.Layout, card.Width, card.Height));
        var plain = OnnxInputAdapter.AdaptedSpec(spec);
        Assert.Equal((InputDtype.Uint8, InputLayout.Nhwc, 1.0), (plain.Dtype, plain.Layout, plain.PixelScale));
        Assert.Equal([0.0, 0, 0], plain.Mean);
        Assert.Equal([1.0, 1, 1], plain.Std);
    }

    [Fact]
    public void A_model_that_does_not_match_its_description_or_is_already_adapted_is_refused()
    {
        var spec = Spec(InputDtype.Float32, InputLayout.Nchw, 255, ImageNetMean, ImageNetStd);
        var model = Model(DataType.Float, InputLayout.Nchw);
        Assert.Contains("no input 'image'", Assert.Throws<ModelLoadException>(() => OnnxInputAdapter.Adapt(model, spec with { InputName = "image" })).Message);
        Assert.Contains("Float16", Assert.Throws<ModelLoadException>(() => OnnxInputAdapter.Adapt(model, spec with { Dtype = InputDtype.Float16 })).Message);
        var adapted = OnnxInputAdapter.Adapt(model, spec);
        Assert.Contains("already adapted", Assert.Throws<ModelLoadException>(() => OnnxInputAdapter.Adapt(adapted, OnnxInputAdapter.AdaptedSpec(spec))).Message);
    }
}
