using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;
using Wanwu.Models.Onnx;
using Wanwu.Postprocess;
using Wanwu.Sources;
using static Wanwu.Models.Onnx.OnnxGraphBuilder;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Tests;

/// <summary>
/// The classifier head appended to the graph (Softmax/Sigmoid, TopK) gives the labels and scores that
/// <see cref="ClassifierHead"/> computes on the CPU from the same raw outputs, run with ONNX Runtime.
/// </summary>
public sealed class OnnxHeadTests
{
    private const int Classes = 54_092;
    private const int K = 5;

    private static void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>A model whose output "scores" is its input "raw" of the given shape: the head then sees exactly the rows fed.</summary>
    private static ModelProto PassThrough(params long[] shape)
    {
        var g = new OnnxGraphBuilder();
        g.Reserve("raw");
        g.Reserve("scores");
        g.Input("raw", DataType.Float, shape);
        g.NodeNamed("Identity", "scores", ["raw"]);
        g.Output("scores", DataType.Float, shape);
        return g.Build();
    }

    /// <summary>Rows of raw scores of every sort a model gives: probabilities (exact and int8-rounded), logits, and [0, 1] values that are not probabilities.</summary>
    private static float[][] Rows(string sort, int classes, int seed)
    {
        var rng = new Random(seed);
        float Normal() => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        float[] Logits(float scale) => Enumerable.Range(0, classes).Select(_ => scale * Normal()).ToArray();
        float[] Probabilities(float scale) => OnnxTestKit.Softmax(Logits(scale), 1);
        return sort switch
        {
            "probabilities" => [Probabilities(4), Probabilities(2), Probabilities(6)],
            "logits" => [Logits(3), Logits(1), Logits(5)],
            "sigmoid" => [Logits(2), Logits(4), Logits(1)],
            // auto: probabilities; probabilities rounded as an int8 model rounds them (sum 1.2); logits; non-negative
            // values in [0, 1] summing to far more than 1 (taken as logits, like ClassifierHead does).
            _ =>
            [
                Probabilities(4),
                Probabilities(6).Select((p, i) => i == 0 ? p + 0.2f : p).ToArray(),
                Logits(3),
                Enumerable.Range(0, classes).Select(_ => (float)rng.NextDouble()).ToArray(),
            ],
        };
    }

    [Theory]
    [InlineData("probabilities")]
    [InlineData("logits")]
    [InlineData("sigmoid")]
    [InlineData("auto")]
    public void The_appended_head_gives_classifier_heads_labels_and_scores(string kind)
    {
        var rows = Rows(kind, Classes, seed: kind.Length);
        var model = OnnxHead.Append(PassThrough(-1, Classes), "scores", ((ClassifierOutput)OutputHead.Parse(new OutputCard { Kind = kind }, ["scores"], zeroShot: false)).Scoring, K);
        Assert.Equal([OnnxHead.ScoresOutput, OnnxHead.IndicesOutput], model.Graph.Output.Select(o => o.Name));
        var outputs = OnnxTestKit.Run(model, "raw", rows.SelectMany(r => r).ToArray(), [rows.Length, Classes], OnnxHead.ScoresOutput, OnnxHead.IndicesOutput);
        var scores = (float[])outputs[OnnxHead.ScoresOutput];
        var indices = (long[])outputs[OnnxHead.IndicesOutput];
        Assert.Equal(rows.Length * K, scores.Length);

        var cpu = Cpu(kind, rows, Classes);
        var worst = 0.0;
        var worstExact = (Cpu: 0.0, Graph: 0.0);
        for (var r = 0; r < rows.Length; r++)
        {
            var graphIndices = indices.Skip(r * K).Take(K).ToArray();
            AssertSameLabels(cpu[r], graphIndices, $"row {r}");
            for (var j = 0; j < K; j++)
            {
                var diff = Math.Abs(cpu[r][j].Score - scores[r * K + j]);
                worst = Math.Max(worst, diff);
                var exact = Exact(kind, rows[r], cpu[r][j].Id);
                worstExact = (Math.Max(worstExact.Cpu, Math.Abs(cpu[r][j].Score - exact)), Math.Max(worstExact.Graph, Math.Abs(scores[r * K + j] - exact)));
                Assert.True(diff < 1e-5, $"row {r} rank {j}: CPU {cpu[r][j].Score}, graph {scores[r * K + j]}, exact {exact}");
            }
        }
        Log($"{kind}: top scores {string.Join(", ", Enumerable.Range(0, rows.Length).Select(r => scores[r * K].ToString("G4")))}; max |CPU - graph| = {worst:E2}; " +
            $"from the exact value: CPU {worstExact.Cpu:E2}, graph {worstExact.Graph:E2}");
    }

    /// <summary>
    /// The graph ranks as ClassifierHead does; only where ClassifierHead's own float scores tie (within 1e-6: a
    /// saturated sigmoid, say) may the order within the tie differ, because the graph ranks the raw scores.
    /// </summary>
    private static void AssertSameLabels(IReadOnlyList<LabelScore> cpu, long[] graph, string what)
    {
        Assert.Equal(cpu.Count, graph.Length);
        for (var start = 0; start < cpu.Count;)
        {
            var end = start + 1;
            while (end < cpu.Count && Math.Abs(cpu[end].Score - cpu[end - 1].Score) < 1e-6) end++;
            if (end - start == 1) Assert.True(cpu[start].Id == graph[start], $"{what} rank {start}: CPU {cpu[start].Id}, graph {graph[start]}");
            else Assert.Equal(cpu.Skip(start).Take(end - start).Select(l => (long)l.Id).Order(), graph.Skip(start).Take(end - start).Order());
            start = end;
        }
    }

    /// <summary>The score of class <paramref name="id"/> computed in double, for the report.</summary>
    private static double Exact(string kind, float[] row, int id)
    {
        var logits = kind == "logits" || (kind == "auto" && !(row.All(v => v is >= 0 and <= 1) && row.Sum() is > 0.5f and < 1.5f));
        if (kind == "sigmoid") return 1 / (1 + Math.Exp(-row[id]));
        if (!logits) return row[id];
        var max = row.Max();
        return Math.Exp(row[id] - max) / row.Sum(v => Math.Exp(v - max));
    }

    /// <summary>ClassifierHead's labels for each row, the rows given to it as one model output.</summary>
    private static List<IReadOnlyList<LabelScore>> Cpu(string? kind, float[][] rows, int classes, int[]? shape = null)
    {
        var spec = new ModelSpec
        {
            Name = "head", Task = "classify", InputName = "raw", Layout = InputLayout.Nchw, Dtype = InputDtype.Float32, Width = 1, Height = 1,
            Resize = ResizeMode.Stretch, Head = OutputHead.Parse(new OutputCard { Kind = kind, Scores = "scores" }, ["scores"], zeroShot: false),
            Labels = new LabelSet(Enumerable.Range(0, classes).Select(i => new ClassName($"类别{i}", null))),
        };
        var head = new ClassifierHead((ClassifierOutput)spec.Head, spec.Labels, K);
        var tensor = new OutputTensor("scores", shape ?? [rows.Length, classes], rows.SelectMany(r => r).ToArray());
        var image = new DecodedImage(new InputItem("x.jpg", "x.jpg", default), [], 1, 1, 1, 1, default);
        return Enumerable.Range(0, rows.Length).Select(r => head.Process(image, [tensor], r).Labels).ToList();
    }

    [Fact]
    public void The_full_scores_output_goes_unless_kept_and_a_convolution_heads_rows_are_flattened_as_on_the_cpu()
    {
        var kept = OnnxHead.Append(PassThrough(-1, 10), "scores", ScoreKind.Logits, 3, keepScores: true);
        Assert.Equal(["scores", OnnxHead.ScoresOutput, OnnxHead.IndicesOutput], kept.Graph.Output.Select(o => o.Name));
        var dims = kept.Graph.Output[1].Type.TensorType.Shape.Dim;
        Assert.Equal("N", dims[0].DimParam);
        Assert.Equal(3, dims[1].DimValue);
        Assert.Equal((int)DataType.Int64, kept.Graph.Output[2].Type.TensorType.ElemType);

        // More classes wanted than there are: all of them, as ClassifierHead gives.
        var rows = Rows("logits", 10, seed: 2);
        var all = OnnxHead.Append(PassThrough(-1, 10), null, ScoreKind.Logits, 50);
        var indices = (long[])OnnxTestKit.Run(all, "raw", rows.SelectMany(r => r).ToArray(), [rows.Length, 10], OnnxHead.IndicesOutput)[OnnxHead.IndicesOutput];
        Assert.Equal(rows.Length * 10, indices.Length);

        // A [N, C, 1, 1] output (a 1x1 convolution head): ClassifierHead reads each image's C values as one row.
        rows = Rows("logits", 1000, seed: 3);
        var conv = OnnxHead.Append(PassThrough(-1, 1000, 1, 1), "scores", ScoreKind.Logits, K);
        var outputs = OnnxTestKit.Run(conv, "raw", rows.SelectMany(r => r).ToArray(), [rows.Length, 1000, 1, 1], OnnxHead.ScoresOutput, OnnxHead.IndicesOutput);
        var cpu = Cpu("logits", rows, 1000, [rows.Length, 1000, 1, 1]);
        Assert.Equal(cpu.SelectMany(l => l.Select(s => (long)s.Id)), (long[])outputs[OnnxHead.IndicesOutput]);
        Assert.All(cpu.SelectMany(l => l).Zip((float[])outputs[OnnxHead.ScoresOutput]), p => Assert.Equal(p.First.Score, p.Second, 1e-5f));

        var missing = Assert.Throws<ModelLoadException>(() => OnnxHead.Append(PassThrough(-1, 10), "probs", ScoreKind.Logits, 3));
        Assert.Contains("no output 'probs'", missing.Message);
    }

    [Fact]
    public void A_float16_model_with_the_head_appended_gives_classifier_heads_labels_for_its_own_logits()
    {
        const int classes = 12_000;
        var fp32 = OnnxTestKit.ConvNet(classes, seed: 3);
        var fp16 = OnnxPrecision.Convert(fp32).Model;
        var withHead = OnnxHead.Append(fp16, "logits", ScoreKind.Logits, K, keepScores: true);
        var types = OnnxElementTypes.TryInfer(withHead.Graph, out var problem) ?? throw new Xunit.Sdk.XunitException(problem);
        var softmax = withHead.Graph.Node.Last(n => n.OpType == "Softmax");
        Assert.Equal((int)DataType.Float, types[softmax.Input[0]]);
        Assert.Equal((int)DataType.Float, types[withHead.Graph.Node.Single(n => n.OpType == "TopK").Input[0]]);

        var photos = OnnxTestKit.Photos(6, 32);
        var pixels = photos.SelectMany(p => p.Pixels).ToArray();
        long[] shape = [photos.Count, 32, 32, 3];
        var outputs = OnnxTestKit.Run(withHead, "pixels", pixels, shape, "logits", OnnxHead.ScoresOutput, OnnxHead.IndicesOutput);
        var logits = (float[])outputs["logits"];
        var rows = Enumerable.Range(0, photos.Count).Select(r => logits.AsSpan(r * classes, classes).ToArray()).ToArray();
        var cpu = Cpu("logits", rows, classes);
        Assert.Equal(cpu.SelectMany(l => l.Select(s => (long)s.Id)), (long[])outputs[OnnxHead.IndicesOutput]);
        Assert.All(cpu.SelectMany(l => l).Zip((float[])outputs[OnnxHead.ScoresOutput]), p => Assert.Equal(p.First.Score, p.Second, 1e-5f));

        // And the labels are the float32 model's: same top-1 for every photo.
        var reference = (float[])OnnxTestKit.Run(fp32, "pixels", pixels, shape, "logits")["logits"];
        Assert.Equal(OnnxTestKit.Top1(reference, photos.Count).Select(i => (long)i), cpu.Select(l => (long)l[0].Id));

        // The other order, the head appended (kind auto) and then the model converted: the head stays float32 all the same.
        var appendedFirst = OnnxPrecision.Convert(OnnxHead.Append(fp32, "logits", ScoreKind.Auto, K));
        Assert.True(appendedFirst.Converted, appendedFirst.Reason);
        types = OnnxElementTypes.TryInfer(appendedFirst.Model.Graph, out problem) ?? throw new Xunit.Sdk.XunitException(problem);
        Assert.All(appendedFirst.Model.Graph.Node.Where(n => n.OpType is "TopK" or "GatherElements" or "Where" or "Softmax" or "ReduceSum"),
            n => Assert.Equal((int)DataType.Float, types[n.Input[n.OpType == "Where" ? 1 : 0]]));
        var other = OnnxTestKit.Run(appendedFirst.Model, "pixels", pixels, shape, OnnxHead.ScoresOutput, OnnxHead.IndicesOutput);
        Assert.Equal(outputs[OnnxHead.IndicesOutput], other[OnnxHead.IndicesOutput]);
        Assert.All(((float[])outputs[OnnxHead.ScoresOutput]).Zip((float[])other[OnnxHead.ScoresOutput]), p => Assert.Equal(p.First, p.Second, 1e-6f));
    }
}
