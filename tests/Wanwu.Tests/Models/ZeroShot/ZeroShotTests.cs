using Wanwu.Decode;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Models.Onnx;
using Wanwu.Models.ZeroShot;
using Wanwu.Sinks;
using Wanwu.Sources;
using static Wanwu.Models.Onnx.OnnxGraphBuilder;

namespace Wanwu.Tests;

/// <summary>
/// Zero-shot tagging against a user's Chinese vocabulary with a Chinese-CLIP-layout model (image encoder, text encoder,
/// BERT vocab.txt) that the test builds with random weights, checked against the same arithmetic done here by hand.
/// </summary>
public sealed class ZeroShotTests
{
    private const int Dim = 16, Side = 64, Patch = 8, Channels = 8, Context = 52;
    private static readonly string[] Tags = ["猫", "狗", "鸟", "鱼", "汽车", "杯子", "手机", "鞋子", "花", "书", "猫"];
    private static readonly float[] ClipMean = [0.48145466f, 0.4578275f, 0.40821073f], ClipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    [Fact]
    public async Task Photos_are_scored_against_every_tag_as_cosine_similarity_and_text_embeddings_are_computed_once()
    {
        using var dir = new TempDir();
        var model = BuildModel(dir["clip"], seed: 5);
        File.WriteAllLines(dir["tags.txt"], ["# 我们的商品类目", .. Tags, ""]);
        Directory.CreateDirectory(dir["photos"]);
        foreach (var p in TestPaths.SomePhotos(4)) File.Copy(p, dir["photos/" + Path.GetFileName(p)]);

        var log = new StringWriter();
        var options = ModelTestKit.Run([dir["photos"]], dir["out"], new ModelOptions { Model = dir["clip"], Vocabulary = dir["tags.txt"], CacheDir = dir["cache"] }) with { Postprocess = new() { TopK = 3 } };
        var summary = await TaggingEngine.RunAsync(options, log: log, ct: TestContext.Current.CancellationToken);
        Assert.Equal(4, summary.Ok);
        Assert.Contains("text embeddings of 10 tags computed once", log.ToString());

        var unique = Tags.Distinct().ToArray();
        var text = unique.Select(t => model.Text(Ids(model.Vocab, $"一张{t}的照片"))).ToArray();
        var tokenizer = TextEmbeddings.Tokenizer(dir["clip/vocab.txt"]);
        Assert.Equal(Ids(model.Vocab, "一张汽车的照片"), TextEmbeddings.Tokenize(tokenizer, "一张汽车的照片", Context));

        var decoder = new ImageDecoder(new PreprocessSpec(Side, Side), long.MaxValue);
        foreach (var record in ResultJournal.ReadAll(new OutputFolder(dir["out"])))
        {
            var image = model.Image(decoder.Decode(new InputItem(record.Path, dir["photos/" + record.Path])).Pixels);
            var logits = text.Select(t => 100 * Dot(image, t)).ToArray();
            var max = logits.Max();
            var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
            var probabilities = exp.Select(e => e / exp.Sum()).ToArray();
            Assert.Equal(3, record.Labels.Count);
            foreach (var label in record.Labels)
            {
                Assert.Equal(unique[label.Id], label.Label);
                Assert.True(Math.Abs(probabilities[label.Id] - label.Score) < 1e-4, $"{record.Path} {label.Label}: wanwu {label.Score}, by hand {probabilities[label.Id]}");
            }
            Assert.Equal(probabilities.Max(), record.Labels[0].Score, 1e-4);
        }

        var again = new StringWriter();
        await TaggingEngine.RunAsync(options with { Output = options.Output with { Dir = dir["out2"] } }, log: again, ct: TestContext.Current.CancellationToken);
        Assert.Contains("text embeddings of 10 tags from the cache", again.ToString());
        Assert.Equal(
            ResultJournal.ReadAll(new OutputFolder(dir["out"])).Select(r => (r.Path, r.Labels[0].Label)).Order(),
            ResultJournal.ReadAll(new OutputFolder(dir["out2"])).Select(r => (r.Path, r.Labels[0].Label)).Order());

        // Another template is another set of sentences, so other embeddings and (here) other scores.
        await TaggingEngine.RunAsync(options with { Output = options.Output with { Dir = dir["out3"] }, Model = options.Model with { Prompt = "{}" } }, log: again, ct: TestContext.Current.CancellationToken);
        Assert.Equal(2, Directory.GetFiles(dir["cache/text-embeddings"]).Length);
    }

    [Fact]
    public void Without_a_vocabulary_the_cli_says_what_to_give()
    {
        using var dir = new TempDir();
        BuildModel(dir["clip"], seed: 1);
        var photo = TestPaths.SomePhotos(1)[0];
        var run = CliProcess.Run("tag", photo, "-o", dir["out"], "-m", dir["clip"], "-q");
        Assert.Equal(4, run.ExitCode);
        Assert.Contains("--vocabulary", run.Stderr);
    }

    private static long[] Ids(Dictionary<string, int> vocab, string sentence)
    {
        var ids = new long[Context];
        ids[0] = vocab["[CLS]"];
        var n = 1;
        foreach (var ch in sentence) ids[n++] = vocab[ch.ToString()];
        ids[n] = vocab["[SEP]"];
        return ids;
    }

    private static float Dot(float[] a, float[] b) => a.Zip(b).Sum(p => p.First * p.Second);

    private static float[] Unit(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    /// <summary>The test model's weights, with the forward passes written out by hand.</summary>
    private sealed record TinyClip(Dictionary<string, int> Vocab, float[] Conv, float[] ConvB, float[] Proj, float[] ProjB, float[] Embed, float[] TextProj, float[] TextB)
    {
        public float[] Image(byte[] rgb)
        {
            var grid = Side / Patch;
            var pooled = new float[Channels];
            for (var o = 0; o < Channels; o++)
                for (var gy = 0; gy < grid; gy++)
                    for (var gx = 0; gx < grid; gx++)
                    {
                        var sum = ConvB[o];
                        for (var c = 0; c < 3; c++)
                            for (var ky = 0; ky < Patch; ky++)
                                for (var kx = 0; kx < Patch; kx++)
                                {
                                    var pixel = rgb[((gy * Patch + ky) * Side + gx * Patch + kx) * 3 + c];
                                    sum += Conv[((o * 3 + c) * Patch + ky) * Patch + kx] * ((pixel / 255f - ClipMean[c]) / ClipStd[c]);
                                }
                        pooled[o] += Math.Max(0, sum) / (grid * grid);
                    }
            return Unit(Enumerable.Range(0, Dim).Select(d => ProjB[d] + Enumerable.Range(0, Channels).Sum(c => Proj[d * Channels + c] * pooled[c])).ToArray());
        }

        public float[] Text(long[] ids)
        {
            var sum = new float[Dim];
            foreach (var id in ids)
                for (var d = 0; d < Dim; d++) sum[d] += Embed[id * Dim + d];
            return Unit(Enumerable.Range(0, Dim).Select(d => TextB[d] + Enumerable.Range(0, Dim).Sum(k => TextProj[d * Dim + k] * sum[k])).ToArray());
        }
    }

    /// <summary>A Chinese-CLIP-layout folder: image_encoder.onnx, text_encoder.onnx, vocab.txt and a card.</summary>
    private static TinyClip BuildModel(string folder, int seed)
    {
        Directory.CreateDirectory(folder);
        var rng = new Random(seed);
        float[] R(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();

        var tokens = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        tokens.AddRange(("一张的照片" + string.Concat(Tags)).Select(c => c.ToString()).Distinct());
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), tokens);
        var vocab = tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);

        var clip = new TinyClip(vocab, R(Channels * 3 * Patch * Patch, 0.1), R(Channels, 0.1), R(Dim * Channels, 1), R(Dim, 0.1), R(tokens.Count * Dim, 1), R(Dim * Dim, 1), R(Dim, 0.1));
        Array.Clear(clip.Embed, 0, Dim); // [PAD] adds nothing

        var image = new OnnxGraphBuilder();
        image.Reserve("image"); image.Reserve("unnorm_image_features");
        image.Input("image", TensorProto.Types.DataType.Float, -1, 3, Side, Side);
        var x = image.Node("Conv", "patches", ["image", image.Floats("w", [Channels, 3, Patch, Patch], clip.Conv), image.Floats("b", [Channels], clip.ConvB)],
            Attr("kernel_shape", [Patch, Patch]), Attr("strides", [Patch, Patch]));
        x = image.Node("Relu", "relu", [x]);
        x = image.Node("GlobalAveragePool", "pool", [x]);
        x = image.Node("Flatten", "flat", [x], Attr("axis", 1L));
        image.NodeNamed("Gemm", "unnorm_image_features", [x, image.Floats("proj", [Dim, Channels], clip.Proj), image.Floats("projb", [Dim], clip.ProjB)], Attr("transB", 1L));
        image.Output("unnorm_image_features", TensorProto.Types.DataType.Float, -1, Dim);
        File.WriteAllBytes(Path.Combine(folder, "image_encoder.onnx"), Google.Protobuf.MessageExtensions.ToByteArray(image.Build()));

        var text = new OnnxGraphBuilder();
        text.Reserve("text"); text.Reserve("unnorm_text_features");
        text.Input("text", TensorProto.Types.DataType.Int64, -1, Context);
        var t = text.Node("Gather", "embed", [text.Floats("table", [tokens.Count, Dim], clip.Embed), "text"], Attr("axis", 0L));
        t = text.Node("ReduceSum", "sum", [t, text.Int64s("axes", 1)], Attr("keepdims", 0L));
        text.NodeNamed("Gemm", "unnorm_text_features", [t, text.Floats("tproj", [Dim, Dim], clip.TextProj), text.Floats("tb", [Dim], clip.TextB)], Attr("transB", 1L));
        text.Output("unnorm_text_features", TensorProto.Types.DataType.Float, -1, Dim);
        File.WriteAllBytes(Path.Combine(folder, "text_encoder.onnx"), Google.Protobuf.MessageExtensions.ToByteArray(text.Build()));

        File.WriteAllText(Path.Combine(folder, ModelCard.FileName), new ModelCard
        {
            Name = "tiny-chinese-clip", Task = "zero-shot",
            Input = new InputCard { Resize = "stretch", PixelScale = 255, Mean = ClipMean.Select(v => (double)v).ToArray(), Std = ClipStd.Select(v => (double)v).ToArray() },
            ZeroShot = new ZeroShotCard(),
        }.ToJson());
        return clip;
    }
}
