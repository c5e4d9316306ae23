using System.Text.RegularExpressions;
using Wanwu.Models.Onnx;
using Wanwu.Models.PyTorch;
using static Wanwu.Models.Onnx.OnnxGraphBuilder;

namespace Wanwu.Models.ModelScope;

/// <summary>
/// Builds the ONNX graph of a ResNeSt (split-attention ResNet, the network of ModelScope's 万物识别 and animal
/// recognition models) from its PyTorch state dict, as modelscope's <c>animal_recognition/resnet.py</c> and
/// <c>splat.py</c> define it: deep stem, average-pool downsampling (<c>avg_down</c>), the stride moved to an average
/// pool after the split-attention convolution (<c>avd</c>, not <c>avd_first</c>), cardinality 1. Block counts, widths,
/// radix and class count are read from the weights, so ResNeSt-50/101/200 checkpoints of that layout all convert.
/// </summary>
internal sealed partial class ResNeStToOnnx
{
    public const string InputName = "input";
    public const string OutputName = "logits";
    private const float BatchNormEpsilon = 1e-5f;

    private readonly IReadOnlyDictionary<string, TorchTensor> _w;
    private readonly OnnxGraphBuilder _g = new();

    private ResNeStToOnnx(IReadOnlyDictionary<string, TorchTensor> weights) => _w = weights;

    /// <summary>The state dict with the prefixes training wrappers add (<c>state_dict.</c>, <c>module.</c>) removed.</summary>
    public static Dictionary<string, TorchTensor> Normalise(IReadOnlyDictionary<string, TorchTensor> checkpoint)
    {
        var result = new Dictionary<string, TorchTensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in checkpoint)
        {
            var name = key.StartsWith("state_dict.", StringComparison.Ordinal) ? key["state_dict.".Length..] : key;
            if (name.StartsWith("module.", StringComparison.Ordinal)) name = name["module.".Length..];
            result[name.Replace(".module.", ".", StringComparison.Ordinal)] = tensor;
        }
        return result;
    }

    /// <summary>Number of output classes of a normalised state dict.</summary>
    public static int ClassCount(IReadOnlyDictionary<string, TorchTensor> weights) => (int)Tensor(weights, "fc.weight").Shape[0];

    public static Onnx.ModelProto Convert(IReadOnlyDictionary<string, TorchTensor> weights, IDictionary<string, string>? metadata = null)
    {
        var c = new ResNeStToOnnx(weights);
        return c.Build(metadata);
    }

    private Onnx.ModelProto Build(IDictionary<string, string>? metadata)
    {
        _g.Reserve(InputName);
        _g.Reserve(OutputName);
        _g.Input(InputName, Onnx.TensorProto.Types.DataType.Float, -1, 3, 224, 224);

        // Deep stem: three 3x3 convolutions (the first with stride 2), then bn1, ReLU and a 3x3 max pool.
        if (!_w.ContainsKey("conv1.0.weight") || !_w.ContainsKey("conv1.6.weight"))
            throw new ModelLoadException("not a deep-stem ResNeSt checkpoint: conv1.0 / conv1.6 weights are missing");
        var x = Relu(BatchNorm(Conv(InputName, "conv1.0", stride: 2, pad: 1), "conv1.1"));
        x = Relu(BatchNorm(Conv(x, "conv1.3", stride: 1, pad: 1), "conv1.4"));
        x = Relu(BatchNorm(Conv(x, "conv1.6", stride: 1, pad: 1), "bn1"));
        x = _g.Node("MaxPool", "maxpool", [x], Attr("kernel_shape", [3, 3]), Attr("strides", [2, 2]), Attr("pads", [1, 1, 1, 1]));

        for (var layer = 1; ; layer++)
        {
            var blocks = BlockCount(layer);
            if (blocks == 0)
            {
                if (layer < 2) throw new ModelLoadException("not a ResNeSt checkpoint: no layer1 blocks");
                break;
            }
            for (var b = 0; b < blocks; b++)
                x = Bottleneck(x, $"layer{layer}.{b}", stride: layer > 1 && b == 0 ? 2 : 1);
        }

        x = _g.Node("GlobalAveragePool", "avgpool", [x]);
        x = _g.Node("Flatten", "flatten", [x], Attr("axis", 1L));
        var fc = Tensor("fc.weight");
        _g.NodeNamed("Gemm", OutputName, [x, Weight("fc.weight"), Weight("fc.bias")], Attr("transB", 1L));
        _g.Output(OutputName, Onnx.TensorProto.Types.DataType.Float, -1, fc.Shape[0]);
        return _g.Build(metadata);
    }

    private string Bottleneck(string x, string p, int stride)
    {
        var groupWidth = Tensor($"{p}.conv1.weight").Shape[0];
        var outp = Relu(BatchNorm(Conv(x, $"{p}.conv1"), $"{p}.bn1"));
        outp = SplitAttention(outp, $"{p}.conv2", groupWidth);
        // avd: the block's stride is an average pool after the split-attention convolution (which runs at stride 1).
        if (stride > 1)
            outp = _g.Node("AveragePool", $"{p}.avd", [outp], Attr("kernel_shape", [3, 3]), Attr("strides", [stride, stride]), Attr("pads", [1, 1, 1, 1]), Attr("count_include_pad", 1L));
        outp = BatchNorm(Conv(outp, $"{p}.conv3"), $"{p}.bn3");

        var residual = x;
        if (_w.ContainsKey($"{p}.downsample.1.weight"))
        {
            // avg_down: pool (kernel = stride, ceil, padding not counted), then a 1x1 convolution and batch norm.
            if (stride > 1)
                residual = _g.Node("AveragePool", $"{p}.down_pool", [residual], Attr("kernel_shape", [stride, stride]), Attr("strides", [stride, stride]), Attr("ceil_mode", 1L), Attr("count_include_pad", 0L));
            residual = BatchNorm(Conv(residual, $"{p}.downsample.1"), $"{p}.downsample.2");
        }
        else if (_w.ContainsKey($"{p}.downsample.0.weight"))
        {
            residual = BatchNorm(Conv(residual, $"{p}.downsample.0", stride: stride), $"{p}.downsample.1");
        }
        return Relu(_g.Node("Add", $"{p}.add", [outp, residual]));
    }

    /// <summary>splat.py's SplAtConv2d with cardinality 1: a grouped 3x3 convolution into radix splits, weighted by a softmax over the splits.</summary>
    private string SplitAttention(string x, string p, long channels)
    {
        var conv = Tensor($"{p}.conv.weight");
        var radix = conv.Shape[0] / channels;
        if (radix < 2 || conv.Shape[0] % channels != 0)
            throw new ModelLoadException($"{p}: only split attention with radix >= 2 is supported (weights say {conv.Shape[0]}/{channels})");
        var y = Relu(BatchNorm(Conv(x, $"{p}.conv", pad: 1, groups: radix), $"{p}.bn0"));
        var splits = Enumerable.Range(0, (int)radix).Select(r => Slice(y, r * channels, (r + 1) * channels, $"{p}.split{r}")).ToList();
        var gap = splits.Aggregate((a, b) => _g.Node("Add", $"{p}.gap_sum", [a, b]));
        gap = _g.Node("GlobalAveragePool", $"{p}.gap", [gap]);
        gap = Relu(BatchNorm(Conv(gap, $"{p}.fc1"), $"{p}.bn1"));
        var atten = Conv(gap, $"{p}.fc2");
        // rSoftMax: [B, radix*C, 1, 1] viewed as [B, radix, C], softmax over the radix axis.
        atten = _g.Node("Reshape", $"{p}.atten_r", [atten, _g.Int64s($"{p}.shape_r", -1, radix, channels)]);
        atten = _g.Node("Softmax", $"{p}.rsoftmax", [atten], Attr("axis", 1L));
        atten = _g.Node("Reshape", $"{p}.atten", [atten, _g.Int64s($"{p}.shape_a", -1, radix * channels, 1, 1)]);
        string? sum = null;
        for (var r = 0; r < radix; r++)
        {
            var weighted = _g.Node("Mul", $"{p}.weighted{r}", [Slice(atten, r * channels, (r + 1) * channels, $"{p}.att{r}"), splits[r]]);
            sum = sum is null ? weighted : _g.Node("Add", $"{p}.out", [sum, weighted]);
        }
        return sum!;
    }

    private string Slice(string x, long start, long end, string name) =>
        _g.Node("Slice", name, [x, _g.Int64s(name + ".starts", start), _g.Int64s(name + ".ends", end), _g.Int64s(name + ".axes", 1)]);

    private string Conv(string x, string p, int stride = 1, int pad = 0, long groups = 1)
    {
        var w = Tensor($"{p}.weight");
        if (w.Shape.Length != 4) throw new ModelLoadException($"{p}.weight: a convolution weight has 4 dimensions, not {w.Shape.Length}");
        var k = w.Shape[2];
        var inputs = new List<string> { x, Weight($"{p}.weight") };
        if (_w.ContainsKey($"{p}.bias")) inputs.Add(Weight($"{p}.bias"));
        return _g.Node("Conv", p, inputs, Attr("kernel_shape", [k, w.Shape[3]]), Attr("strides", [stride, stride]), Attr("pads", [pad, pad, pad, pad]), Attr("group", groups));
    }

    private string BatchNorm(string x, string p) =>
        _g.Node("BatchNormalization", p, [x, Weight($"{p}.weight"), Weight($"{p}.bias"), Weight($"{p}.running_mean"), Weight($"{p}.running_var")], Attr("epsilon", BatchNormEpsilon));

    private string Relu(string x) => _g.Node("Relu", x + ".relu", [x]);

    private string Weight(string name)
    {
        var t = Tensor(name);
        return _g.Floats(name, t.Shape, t.Data);
    }

    private TorchTensor Tensor(string name) => Tensor(_w, name);

    private static TorchTensor Tensor(IReadOnlyDictionary<string, TorchTensor> w, string name) =>
        w.TryGetValue(name, out var t) ? t : throw new ModelLoadException($"the checkpoint has no '{name}': not the ResNeSt layout of ModelScope's recognition models");

    private int BlockCount(int layer)
    {
        var pattern = LayerKey();
        return _w.Keys.Select(k => pattern.Match(k)).Where(m => m.Success && m.Groups[1].Value == layer.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Select(m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) + 1).DefaultIfEmpty(0).Max();
    }

    [GeneratedRegex(@"^layer(\d+)\.(\d+)\.")]
    private static partial Regex LayerKey();
}
