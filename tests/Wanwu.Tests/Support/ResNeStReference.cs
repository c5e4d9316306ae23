using System.Numerics;

namespace Wanwu.Tests;

/// <summary>
/// ModelScope's ResNeSt (animal_recognition/resnet.py + splat.py, the 万物识别 configuration) written out plainly for one
/// image, from a state dict, with no ONNX and no wanwu code: the independent side of the conversion test. Also makes
/// state dicts of that layout with random weights.
/// </summary>
public static class ResNeStReference
{
    public sealed record T(int C, int H, int W, float[] D)
    {
        public float this[int c, int y, int x] => D[(c * H + y) * W + x];
    }

    public static readonly (int Planes, int Stride)[] Stages = [(64, 1), (128, 2), (256, 2), (512, 2)];

    /// <summary>A state dict named as modelscope's ResNet names it, with weights in the ranges its initialisation and training give.</summary>
    public static List<(string Name, long[] Shape, float[] Data)> RandomStateDict(int[] blocks, int classes, int seed)
    {
        var rng = new Random(seed);
        var list = new List<(string, long[], float[])>();
        float Normal(double std) => (float)(std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        float Uniform(double a, double b) => (float)(a + (b - a) * rng.NextDouble());
        void Conv(string name, int o, int i, int k, bool bias = false)
        {
            var std = Math.Sqrt(2.0 / (k * k * o));
            list.Add((name + ".weight", [o, i, k, k], Enumerable.Range(0, o * i * k * k).Select(_ => Normal(std)).ToArray()));
            if (bias) list.Add((name + ".bias", [o], Enumerable.Range(0, o).Select(_ => Uniform(-0.1, 0.1)).ToArray()));
        }
        void Bn(string name, int c, double gammaMax = 1.2)
        {
            list.Add((name + ".weight", [c], Enumerable.Range(0, c).Select(_ => Uniform(gammaMax / 2, gammaMax)).ToArray()));
            list.Add((name + ".bias", [c], Enumerable.Range(0, c).Select(_ => Uniform(-0.1, 0.1)).ToArray()));
            list.Add((name + ".running_mean", [c], Enumerable.Range(0, c).Select(_ => Uniform(-0.1, 0.1)).ToArray()));
            list.Add((name + ".running_var", [c], Enumerable.Range(0, c).Select(_ => Uniform(0.5, 1.5)).ToArray()));
        }
        Conv("conv1.0", 64, 3, 3); Bn("conv1.1", 64);
        Conv("conv1.3", 64, 64, 3); Bn("conv1.4", 64);
        Conv("conv1.6", 128, 64, 3); Bn("bn1", 128);
        var inplanes = 128;
        for (var s = 0; s < 4; s++)
        {
            var (planes, stride) = Stages[s];
            for (var b = 0; b < blocks[s]; b++)
            {
                var p = $"layer{s + 1}.{b}";
                var gw = planes;
                var inter = Math.Max(gw * 2 / 4, 32);
                Conv($"{p}.conv1", gw, inplanes, 1); Bn($"{p}.bn1", gw);
                Conv($"{p}.conv2.conv", gw * 2, gw / 2, 3); Bn($"{p}.conv2.bn0", gw * 2);
                Conv($"{p}.conv2.fc1", inter, gw, 1, bias: true); Bn($"{p}.conv2.bn1", inter);
                Conv($"{p}.conv2.fc2", gw * 2, inter, 1, bias: true);
                Conv($"{p}.conv3", planes * 4, gw, 1); Bn($"{p}.bn3", planes * 4, gammaMax: 1.0);
                if (b == 0 && (stride != 1 || inplanes != planes * 4)) { Conv($"{p}.downsample.1", planes * 4, inplanes, 1); Bn($"{p}.downsample.2", planes * 4); }
                inplanes = planes * 4;
            }
        }
        list.Add(("fc.weight", [classes, 2048], Enumerable.Range(0, classes * 2048).Select(_ => Normal(0.05)).ToArray()));
        list.Add(("fc.bias", [classes], Enumerable.Range(0, classes).Select(_ => Uniform(-0.1, 0.1)).ToArray()));
        return list;
    }

    /// <summary>The logits for one image given as a [3, H, W] normalised tensor.</summary>
    public static float[] Forward(IReadOnlyDictionary<string, float[]> w, int[] blocks, T x)
    {
        x = Relu(Bn(Conv(x, w["conv1.0.weight"], null, 64, 3, 2, 1, 1), w, "conv1.1"));
        x = Relu(Bn(Conv(x, w["conv1.3.weight"], null, 64, 3, 1, 1, 1), w, "conv1.4"));
        x = Relu(Bn(Conv(x, w["conv1.6.weight"], null, 128, 3, 1, 1, 1), w, "bn1"));
        x = MaxPool3x3s2(x);
        for (var s = 0; s < 4; s++)
            for (var b = 0; b < blocks[s]; b++) x = Block(w, $"layer{s + 1}.{b}", x, Stages[s].Planes, b == 0 ? Stages[s].Stride : 1);
        var pooled = new float[x.C];
        for (var c = 0; c < x.C; c++) pooled[c] = Mean(x, c);
        var fcw = w["fc.weight"];
        var fcb = w["fc.bias"];
        var classes = fcb.Length;
        var logits = new float[classes];
        for (var k = 0; k < classes; k++)
        {
            double sum = fcb[k];
            for (var c = 0; c < pooled.Length; c++) sum += fcw[k * pooled.Length + c] * pooled[c];
            logits[k] = (float)sum;
        }
        return logits;
    }

    private static T Block(IReadOnlyDictionary<string, float[]> w, string p, T x, int planes, int stride)
    {
        var gw = planes;
        var outp = Relu(Bn(Conv(x, w[$"{p}.conv1.weight"], null, gw, 1, 1, 0, 1), w, $"{p}.bn1"));
        // SplAtConv2d, radix 2: the conv runs at stride 1 because avd moves the stride to a pool after it.
        var y = Relu(Bn(Conv(outp, w[$"{p}.conv2.conv.weight"], null, gw * 2, 3, 1, 1, 2), w, $"{p}.conv2.bn0"));
        var hw = y.H * y.W;
        var inter = w[$"{p}.conv2.fc1.bias"].Length;
        var gap = new T(gw, 1, 1, new float[gw]);
        for (var c = 0; c < gw; c++)
        {
            double sum = 0;
            for (var i = 0; i < hw; i++) sum += y.D[c * hw + i] + y.D[(gw + c) * hw + i];
            gap.D[c] = (float)(sum / hw);
        }
        var g = Relu(Bn(Conv(gap, w[$"{p}.conv2.fc1.weight"], w[$"{p}.conv2.fc1.bias"], inter, 1, 1, 0, 1), w, $"{p}.conv2.bn1"));
        var a = Conv(g, w[$"{p}.conv2.fc2.weight"], w[$"{p}.conv2.fc2.bias"], gw * 2, 1, 1, 0, 1).D;
        var split = new T(gw, y.H, y.W, new float[gw * hw]);
        for (var c = 0; c < gw; c++)
        {
            // rSoftMax: softmax over the two splits of channel c.
            var m = Math.Max(a[c], a[gw + c]);
            var e0 = Math.Exp(a[c] - m);
            var e1 = Math.Exp(a[gw + c] - m);
            var a0 = (float)(e0 / (e0 + e1));
            var a1 = (float)(e1 / (e0 + e1));
            for (var i = 0; i < hw; i++) split.D[c * hw + i] = a0 * y.D[c * hw + i] + a1 * y.D[(gw + c) * hw + i];
        }
        var o = split;
        if (stride > 1) o = AvgPool(o, 3, stride, 1, countPad: true, ceil: false);
        o = Bn(Conv(o, w[$"{p}.conv3.weight"], null, planes * 4, 1, 1, 0, 1), w, $"{p}.bn3");
        var residual = x;
        if (w.ContainsKey($"{p}.downsample.1.weight"))
        {
            if (stride > 1) residual = AvgPool(residual, stride, stride, 0, countPad: false, ceil: true);
            residual = Bn(Conv(residual, w[$"{p}.downsample.1.weight"], null, planes * 4, 1, 1, 0, 1), w, $"{p}.downsample.2");
        }
        for (var i = 0; i < o.D.Length; i++) o.D[i] = Math.Max(0, o.D[i] + residual.D[i]);
        return o;
    }

    private static T Conv(T x, float[] weight, float[]? bias, int outC, int k, int stride, int pad, int groups)
    {
        var oh = (x.H + 2 * pad - k) / stride + 1;
        var ow = (x.W + 2 * pad - k) / stride + 1;
        var inPer = x.C / groups;
        var outPer = outC / groups;
        var result = new float[outC * oh * ow];
        Parallel.For(0, outC, oc =>
        {
            var g = oc / outPer;
            var dst = result.AsSpan(oc * oh * ow, oh * ow);
            if (bias is not null) dst.Fill(bias[oc]);
            for (var ic = 0; ic < inPer; ic++)
            {
                var src = (g * inPer + ic) * x.H * x.W;
                for (var ky = 0; ky < k; ky++)
                    for (var kx = 0; kx < k; kx++)
                    {
                        var wv = weight[((oc * inPer + ic) * k + ky) * k + kx];
                        for (var oy = 0; oy < oh; oy++)
                        {
                            var iy = oy * stride - pad + ky;
                            if (iy < 0 || iy >= x.H) continue;
                            var row = dst.Slice(oy * ow, ow);
                            // Output columns whose input column falls inside the image.
                            var first = Math.Max(0, (pad - kx + stride - 1) / stride);
                            var last = Math.Min(ow - 1, (x.W - 1 + pad - kx) / stride);
                            if (stride == 1)
                                Axpy(wv, x.D.AsSpan(src + iy * x.W + first - pad + kx, last - first + 1), row.Slice(first, last - first + 1));
                            else
                                for (var ox = first; ox <= last; ox++) row[ox] += wv * x.D[src + iy * x.W + ox * stride - pad + kx];
                        }
                    }
            }
        });
        return new T(outC, oh, ow, result);
    }

    private static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(y.Slice(i)) + va * new Vector<float>(x.Slice(i))).CopyTo(y.Slice(i));
        }
        for (; i < x.Length; i++) y[i] += a * x[i];
    }

    private static T Bn(T x, IReadOnlyDictionary<string, float[]> w, string p)
    {
        var (g, b, m, v) = (w[p + ".weight"], w[p + ".bias"], w[p + ".running_mean"], w[p + ".running_var"]);
        var hw = x.H * x.W;
        var d = new float[x.D.Length];
        for (var c = 0; c < x.C; c++)
        {
            var scale = g[c] / MathF.Sqrt(v[c] + 1e-5f);
            for (var i = 0; i < hw; i++) d[c * hw + i] = (x.D[c * hw + i] - m[c]) * scale + b[c];
        }
        return x with { D = d };
    }

    private static T Relu(T x)
    {
        for (var i = 0; i < x.D.Length; i++) if (x.D[i] < 0) x.D[i] = 0;
        return x;
    }

    private static T MaxPool3x3s2(T x)
    {
        var oh = (x.H + 2 - 3) / 2 + 1;
        var ow = (x.W + 2 - 3) / 2 + 1;
        var d = new float[x.C * oh * ow];
        for (var c = 0; c < x.C; c++)
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                {
                    var best = float.NegativeInfinity;
                    for (var ky = 0; ky < 3; ky++)
                        for (var kx = 0; kx < 3; kx++)
                        {
                            int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
                            if (iy >= 0 && iy < x.H && ix >= 0 && ix < x.W) best = Math.Max(best, x[c, iy, ix]);
                        }
                    d[(c * oh + oy) * ow + ox] = best;
                }
        return new T(x.C, oh, ow, d);
    }

    /// <summary>torch.nn.AvgPool2d with the given kernel, stride, padding, count_include_pad and ceil_mode.</summary>
    private static T AvgPool(T x, int k, int s, int pad, bool countPad, bool ceil)
    {
        int Out(int n) => ceil ? (int)Math.Ceiling((n + 2.0 * pad - k) / s) + 1 : (n + 2 * pad - k) / s + 1;
        int oh = Out(x.H), ow = Out(x.W);
        var d = new float[x.C * oh * ow];
        for (var c = 0; c < x.C; c++)
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                {
                    double sum = 0;
                    var n = 0;
                    var padded = 0;
                    for (var ky = 0; ky < k; ky++)
                        for (var kx = 0; kx < k; kx++)
                        {
                            int iy = oy * s - pad + ky, ix = ox * s - pad + kx;
                            if (iy >= 0 && iy < x.H && ix >= 0 && ix < x.W) { sum += x[c, iy, ix]; n++; }
                            else if (iy < x.H + pad && ix < x.W + pad) padded++;
                        }
                    d[(c * oh + oy) * ow + ox] = (float)(sum / (countPad ? n + padded : n));
                }
        return new T(x.C, oh, ow, d);
    }

    private static float Mean(T x, int c)
    {
        double sum = 0;
        var hw = x.H * x.W;
        for (var i = 0; i < hw; i++) sum += x.D[c * hw + i];
        return (float)(sum / hw);
    }
}
