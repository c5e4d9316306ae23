using Wanwu.Models.ModelScope;
using Wanwu.Models.PyTorch;

namespace Wanwu.Cli.Bench;

/// <summary>
/// Networks of a real model's exact shape with random weights, to measure speed where the real weights cannot be
/// fetched (ModelScope's hub is not reachable from our machines). Speed depends on the shape, not on the values; the
/// values are scaled as a trained network's are (fan-out initialisation, BatchNorm near identity, the last BatchNorm of
/// each block smaller), so activations stay in float16's range and FP16 runs can be compared with FP32 ones.
/// </summary>
internal static class StandInModels
{
    /// <summary>ModelScope's 万物识别 network: ResNeSt-101 (blocks 3, 4, 23, 3), 54,092 classes.</summary>
    public static void ResNeSt101(string outputDir, int classes = 54092, int seed = 1)
    {
        var rng = new Random(seed);
        var w = new Dictionary<string, TorchTensor>(StringComparer.Ordinal);
        void Add(string name, long[] shape, float scale, float offset = 0)
        {
            var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
            for (var i = 0; i < data.Length; i++) data[i] = offset + scale * (rng.NextSingle() * 2 - 1);
            w[name] = new TorchTensor(shape, data);
        }
        void Conv(string name, int o, int i, int k, bool bias = false)
        {
            Add(name + ".weight", [o, i, k, k], MathF.Sqrt(6f / (k * k * o)));
            if (bias) Add(name + ".bias", [o], 0.01f);
        }
        void Bn(string name, int c, float gammaMax = 1.2f)
        {
            Add(name + ".weight", [c], gammaMax / 4, gammaMax * 3 / 4);
            Add(name + ".bias", [c], 0.1f);
            Add(name + ".running_mean", [c], 0.1f);
            Add(name + ".running_var", [c], 0.5f, 1);
        }
        Conv("conv1.0", 64, 3, 3); Bn("conv1.1", 64);
        Conv("conv1.3", 64, 64, 3); Bn("conv1.4", 64);
        Conv("conv1.6", 128, 64, 3); Bn("bn1", 128);
        var inplanes = 128;
        int[] blocks = [3, 4, 23, 3];
        for (var s = 0; s < 4; s++)
        {
            var planes = 64 << s;
            for (var b = 0; b < blocks[s]; b++)
            {
                var p = $"layer{s + 1}.{b}";
                var inter = Math.Max(planes * 2 / 4, 32);
                Conv($"{p}.conv1", planes, inplanes, 1); Bn($"{p}.bn1", planes);
                Conv($"{p}.conv2.conv", planes * 2, planes / 2, 3); Bn($"{p}.conv2.bn0", planes * 2);
                Conv($"{p}.conv2.fc1", inter, planes, 1, bias: true); Bn($"{p}.conv2.bn1", inter);
                Conv($"{p}.conv2.fc2", planes * 2, inter, 1, bias: true);
                Conv($"{p}.conv3", planes * 4, planes, 1); Bn($"{p}.bn3", planes * 4, gammaMax: 1.0f);
                if (b == 0) { Conv($"{p}.downsample.1", planes * 4, inplanes, 1); Bn($"{p}.downsample.2", planes * 4); }
                inplanes = planes * 4;
            }
        }
        Add("fc.weight", [classes, 2048], 0.087f);
        Add("fc.bias", [classes], 0.1f);
        var labels = Enumerable.Range(0, classes).Select(i => $"{i}\t类别{i}").ToList();
        ModelScopeImport.Write(w, labels, "resnest101-standin", "ResNeSt-101 of ModelScope's 万物识别 layout with random weights (for speed measurements)", outputDir);
    }
}
