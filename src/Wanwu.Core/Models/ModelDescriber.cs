using Microsoft.ML.OnnxRuntime;
using Wanwu.Decode;

namespace Wanwu.Models;

/// <summary>A model's description: what its ONNX metadata says, overridden by the card beside it, checked once.</summary>
internal static class ModelDescriber
{
    /// <summary>What the ONNX metadata says, overridden by the card in <paramref name="dir"/> if there is one.</summary>
    public static ModelSpec Describe(InferenceSession session, string dir, string fallbackName)
    {
        var cardPath = Path.Combine(dir, ModelCard.FileName);
        var card = Infer(session).With(File.Exists(cardPath) ? ModelCard.Load(cardPath) : new ModelCard());
        var input = card.Input;
        var meta = session.InputMetadata[input.Name!].Dimensions;
        int? fixedBatch = meta.Length > 0 && meta[0] > 0 ? meta[0] : null;
        var labels = LoadLabels(dir, card.Labels);
        var outputs = session.OutputMetadata.Keys.ToList();
        return new ModelSpec
        {
            Name = card.Name ?? fallbackName,
            Task = card.Task ?? "classify",
            InputName = input.Name!,
            Layout = input.Layout?.ToUpperInvariant() switch
            {
                "NHWC" => InputLayout.Nhwc,
                "NCHW" => InputLayout.Nchw,
                var l => throw new ModelLoadException($"input layout '{l}' is not NHWC or NCHW; set input.layout in {ModelCard.FileName}"),
            },
            Dtype = input.Dtype?.ToLowerInvariant() switch
            {
                "uint8" => InputDtype.Uint8,
                "float32" or "float" => InputDtype.Float32,
                "float16" => InputDtype.Float16,
                var d => throw new ModelLoadException($"input type '{d}' is not supported (uint8, float32, float16)"),
            },
            Width = input.Width ?? throw new ModelLoadException($"the model's input width is dynamic; set input.width in {ModelCard.FileName}"),
            Height = input.Height ?? throw new ModelLoadException($"the model's input height is dynamic; set input.height in {ModelCard.FileName}"),
            Resize = input.Resize?.ToLowerInvariant() switch
            {
                "stretch" or null => ResizeMode.Stretch,
                "center-crop" or "centre-crop" or "crop" => ResizeMode.CenterCrop,
                "letterbox" => ResizeMode.Letterbox,
                var r => throw new ModelLoadException($"resize mode '{r}' is not stretch, center-crop or letterbox"),
            },
            CropFraction = input.CropFraction ?? 0.875,
            PixelScale = input.PixelScale ?? 1,
            Mean = Triple(input.Mean, 0),
            Std = Triple(input.Std, 1),
            Head = OutputHead.Parse(card.Output, outputs, card.ZeroShot is not null),
            Outputs = outputs,
            Labels = labels,
            FixedBatch = fixedBatch,
            PreferredBatch = card.PreferredBatch ?? (fixedBatch ?? 16),
            Dir = dir,
            ZeroShot = card.ZeroShot,
        };
    }

    /// <summary>A card built from the ONNX metadata alone: enough for common classifier and SSD layouts.</summary>
    public static ModelCard Infer(InferenceSession session)
    {
        var (inputName, inMeta) = session.InputMetadata.First();
        var d = inMeta.Dimensions;
        var nhwc = d.Length == 4 && d[3] is 1 or 3;
        var input = new InputCard
        {
            Name = inputName,
            Layout = d.Length == 4 ? (nhwc ? "NHWC" : "NCHW") : null,
            Dtype = inMeta.ElementType == typeof(byte) ? "uint8" : inMeta.ElementType == typeof(Float16) ? "float16" : "float32",
            Width = d.Length == 4 && (nhwc ? d[2] : d[3]) is > 0 and var w ? w : null,
            Height = d.Length == 4 && (nhwc ? d[1] : d[2]) is > 0 and var h ? h : null,
        };
        if (input.Dtype != "uint8")
        {
            // Float inputs without a card are taken to be PyTorch-style ImageNet exports: the most common kind.
            input = input with { PixelScale = 255, Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225], Resize = "center-crop" };
        }
        var outputs = session.OutputMetadata.ToList();
        OutputCard output;
        string task;
        if (outputs.Count == 3 && outputs[1].Value.Dimensions is [.., 4] && outputs[2].Value.Dimensions is [.., 4])
        {
            (task, output) = ("detect", new OutputCard { Kind = "ssd-anchors", Scores = outputs[0].Key, Boxes = outputs[1].Key, Anchors = outputs[2].Key, BackgroundClass = 0 });
        }
        else
        {
            (task, output) = ("classify", new OutputCard { Kind = "auto", Scores = outputs[0].Key });
        }
        return new ModelCard { Task = task, Input = input, Output = output };
    }

    private static LabelSet LoadLabels(string dir, LabelsCard card)
    {
        string? file = card.File is { } f ? Path.Combine(dir, f) : null;
        if (file is null)
        {
            var candidates = Directory.GetFiles(dir).Where(p => Path.GetExtension(p).ToLowerInvariant() is ".txt" or ".tsv" or ".csv")
                .OrderByDescending(p => Path.GetFileName(p).Contains("label", StringComparison.OrdinalIgnoreCase)).ThenBy(p => p, StringComparer.Ordinal).ToList();
            file = candidates.FirstOrDefault();
        }
        if (file is null) return new LabelSet([]);
        if (!File.Exists(file)) throw new ModelLoadException($"label file '{file}' named by the model card does not exist");
        return LabelSet.Load(file, card);
    }

    private static double[] Triple(double[]? values, double fallback) => values switch
    {
        null => [fallback, fallback, fallback],
        [var v] => [v, v, v],
        [_, _, _] => values,
        _ => throw new ModelLoadException("mean and std need one or three values"),
    };
}
