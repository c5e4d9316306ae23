using Google.Protobuf;
using Wanwu.Models;
using Wanwu.Models.Onnx;

namespace Wanwu.Backends;

/// <summary>
/// The graph a run's sessions load: the model's own, or a variant made once and cached beside other conversions —
/// float16 where the device gains from it (a GPU; on the CPU only when asked), and on a GPU a classifier's softmax and
/// top-k appended, so that k labels per image leave the device instead of every class's score; and where the device
/// decodes the images, an input that takes their uint8 RGB and normalises it in the graph.
/// </summary>
internal static class DeviceGraph
{
    /// <summary>Labels an in-graph head returns per image; a run asking for more gets these.</summary>
    public const int InGraphTopK = 50;

    /// <summary>The file to open, the description that matches it, and the precision it runs in (<c>fp16</c>, <c>bf16</c>, <c>as-is</c>).</summary>
    public sealed record Variant(string OnnxPath, ModelSpec Spec, string Precision);

    /// <summary>The variant of <paramref name="onnx"/> (described by <paramref name="spec"/>) that sessions on these devices run.</summary>
    /// <param name="onnx">The model's own ONNX file.</param>
    /// <param name="spec">Its description.</param>
    /// <param name="precision">The precision asked for.</param>
    /// <param name="onGpu">Whether the sessions run on a GPU.</param>
    /// <param name="cacheRoot">The model cache (variants live under <c>graphs/</c>).</param>
    /// <param name="log">Where to say what was prepared.</param>
    /// <param name="deviceInput">Whether the device decodes the images (uint8 input, normalised in the graph).</param>
    public static Variant Prepare(string onnx, ModelSpec spec, Precision precision, bool onGpu, string? cacheRoot, TextWriter? log, bool deviceInput = false)
    {
        var narrow = precision switch { Precision.Fp16 or Precision.Bf16 => true, Precision.Auto => onGpu, _ => false };
        // Merged classes (a label map) add their probabilities on the CPU: the graph's top-k would rank them apart.
        var head = onGpu && spec.Head is ClassifierOutput && spec.Labels.Count == spec.Labels.Distinct ? (ClassifierOutput)spec.Head : null;
        var asIs = new Variant(onnx, spec, spec.Dtype == InputDtype.Float16 ? "fp16" : "as-is");
        if (!narrow && head is null && !deviceInput) return asIs;

        var target = precision == Precision.Bf16 ? NarrowFloat.BFloat16 : NarrowFloat.Float16;
        var key = ModelCache.Key($"graph-v1|{(narrow ? target : "as-is")}|{(head is null ? 0 : InGraphTopK)}|{(deviceInput ? "uint8" : "")}", [onnx], 24);
        var path = Path.Combine(cacheRoot ?? ModelCache.DefaultRoot, "graphs", key + ".onnx");
        var label = path + ".precision";
        if (!File.Exists(path) || !File.Exists(label))
        {
            var model = OnnxPrecision.Load(onnx);
            var ran = asIs.Precision;
            if (narrow)
            {
                var converted = OnnxPrecision.Convert(model, new PrecisionOptions { Target = target });
                if (converted.Converted) (model, ran) = (converted.Model, target == NarrowFloat.BFloat16 ? "bf16" : "fp16");
                else log?.WriteLine($"wanwu: {spec.Name} runs as it is: {converted.Reason}");
            }
            if (head is not null) model = OnnxHead.Append(model, spec.Outputs[head.Scores], head.Scoring, InGraphTopK);
            if (deviceInput) model = OnnxInputAdapter.Adapt(model, spec);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            IO.AtomicFile.Write(path, stream => model.WriteTo(stream));
            IO.AtomicFile.Write(label, System.Text.Encoding.UTF8.GetBytes(ran));
            log?.WriteLine($"wanwu: prepared {spec.Name} for {(onGpu ? "the GPU" : "the CPU")}: {ran}{(head is null ? "" : ", softmax and top-k in the graph")}{(deviceInput ? ", uint8 input normalised in the graph" : "")}");
        }
        var outputs = spec.Outputs.ToList();
        if (head is not null)
        {
            // OnnxHead.Append drops the full scores output and adds its two at the end.
            outputs.RemoveAt(head.Scores);
            outputs.AddRange([OnnxHead.ScoresOutput, OnnxHead.IndicesOutput]);
            spec = spec with { Head = new TopKOutput(outputs.Count - 2, outputs.Count - 1), Outputs = outputs };
        }
        if (deviceInput) spec = OnnxInputAdapter.AdaptedSpec(spec);
        return new Variant(path, spec, File.ReadAllText(label));
    }

    /// <summary>Whether the session's outputs for a probe image are all finite: a float16 network can overflow where float32 does not.</summary>
    public static bool GivesFiniteOutputs(IInferenceBackend backend, ModelSpec spec)
    {
        var pixels = new byte[spec.Width * spec.Height * 3];
        new Random(2).NextBytes(pixels);
        var image = new Decode.DecodedImage(new Sources.InputItem("probe", "probe", default), pixels, spec.Width, spec.Height, spec.Width, spec.Height, default);
        return backend.Run([image]).All(o => o.Data.All(float.IsFinite));
    }
}
