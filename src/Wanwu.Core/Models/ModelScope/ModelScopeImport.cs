using System.Text;
using Wanwu.Models.PyTorch;

namespace Wanwu.Models.ModelScope;

/// <summary>
/// A ModelScope model folder as <c>snapshot_download</c> lays it out (<c>pytorch_model.pt</c>, <c>configuration.json</c>,
/// <c>meta_info.txt</c>) turned into a wanwu model folder: <c>model.onnx</c> built by <see cref="ResNeStToOnnx"/>, the
/// label file, and a card with the preprocessing of modelscope's general-recognition pipeline (shorter side to 256,
/// centre crop 224, ImageNet mean and std on 0..1 pixels; logits, so wanwu's scores are softmax probabilities).
/// </summary>
internal static class ModelScopeImport
{
    public const string Checkpoint = "pytorch_model.pt";
    public const string LabelFile = "meta_info.txt";
    public const string Configuration = "configuration.json";

    /// <summary>Whether <paramref name="dir"/> looks like a downloaded ModelScope model of the kind wanwu converts.</summary>
    public static bool IsModelScopeFolder(string dir) =>
        File.Exists(Path.Combine(dir, Checkpoint)) && File.Exists(Path.Combine(dir, LabelFile));

    /// <summary>Converts the ModelScope folder <paramref name="dir"/> into a wanwu model folder <paramref name="outputDir"/>.</summary>
    public static void Convert(string dir, string outputDir, TextWriter? log)
    {
        if (!IsModelScopeFolder(dir))
            throw new ModelLoadException($"'{dir}' is not a ModelScope model folder: it needs {Checkpoint} and {LabelFile}.");
        log?.WriteLine($"converting {Path.Combine(dir, Checkpoint)} to ONNX (once; kept in the model cache)");
        var weights = ResNeStToOnnx.Normalise(TorchCheckpoint.Load(Path.Combine(dir, Checkpoint)));
        var classes = ResNeStToOnnx.ClassCount(weights);
        // modelscope reads the label as the second tab-separated field of line i.
        var labels = File.ReadAllLines(Path.Combine(dir, LabelFile), Encoding.UTF8).Where(l => l.Length > 0).ToList();
        if (labels.Count != classes)
            throw new ModelLoadException($"{LabelFile} has {labels.Count} labels but the checkpoint has {classes} classes.");
        if (labels.FirstOrDefault(l => !l.Contains('\t')) is { } bad)
            throw new ModelLoadException($"{LabelFile}: every line is 'key<TAB>label' as modelscope reads it; found '{bad}'.");

        var name = Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/'));
        Write(weights, labels, name, $"ModelScope folder {name}", outputDir);
        log?.WriteLine($"{classes} classes, {weights.Count} tensors → {outputDir}");
    }

    /// <summary>Writes model.onnx, labels.tsv (key TAB label lines) and the card with modelscope's preprocessing.</summary>
    public static void Write(IReadOnlyDictionary<string, TorchTensor> weights, IReadOnlyList<string> labels, string name, string source, string outputDir)
    {
        Directory.CreateDirectory(outputDir);
        var onnx = ResNeStToOnnx.Convert(weights, new Dictionary<string, string> { ["source"] = source });
        using (var file = File.Create(Path.Combine(outputDir, "model.onnx")))
        {
            Google.Protobuf.MessageExtensions.WriteTo(onnx, file);
        }
        File.WriteAllLines(Path.Combine(outputDir, "labels.tsv"), labels, new UTF8Encoding(false));
        var card = new ModelCard
        {
            Name = name,
            Task = "classify",
            Description = source,
            Input = new InputCard
            {
                Name = ResNeStToOnnx.InputName, Layout = "NCHW", Dtype = "float32", Width = 224, Height = 224,
                Resize = "center-crop", CropFraction = 224.0 / 256.0, PixelScale = 255,
                Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225],
            },
            Output = new OutputCard { Kind = "logits", Scores = ResNeStToOnnx.OutputName },
            Labels = new LabelsCard { File = "labels.tsv", ZhColumn = 1, Header = false },
        };
        File.WriteAllText(Path.Combine(outputDir, ModelCard.FileName), card.ToJson());
    }
}
