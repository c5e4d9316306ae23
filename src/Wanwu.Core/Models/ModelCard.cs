using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wanwu.Models;

/// <summary>
/// What wanwu must know about a model that its ONNX metadata cannot say. Read from <c>wanwu.json</c> beside the weights;
/// every field is optional and overrides what was inferred from the model itself. See docs/model-card.md.
/// </summary>
internal sealed record ModelCard
{
    public const string FileName = "wanwu.json";

    /// <summary>
    /// Format of wanwu.json, written as <c>format</c> by every card wanwu writes. History: 1 = the first format (cards
    /// without <c>format</c>, hand-written ones included, are format 1). A card of a newer format is refused.
    /// </summary>
    public const int CurrentFormat = 1;

    /// <summary>The format the card was written in; null for a hand-written card (format 1).</summary>
    public int? Format { get; init; }

    public string? Name { get; init; }
    /// <summary><c>classify</c>, <c>detect</c> or <c>zero-shot</c>.</summary>
    public string? Task { get; init; }
    public string? Description { get; init; }
    public InputCard Input { get; init; } = new();
    public OutputCard Output { get; init; } = new();
    public LabelsCard Labels { get; init; } = new();
    /// <summary>For an image-text model (CLIP, Chinese-CLIP): its text side.</summary>
    public ZeroShotCard? ZeroShot { get; init; }
    /// <summary>Batch size for code that builds a <c>LoadedModel</c> itself; runs measure the fastest batch instead.</summary>
    public int? PreferredBatch { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static ModelCard Load(string path)
    {
        try
        {
            var card = JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(path), Json) ?? new ModelCard();
            return card.Format > CurrentFormat
                ? throw new ModelLoadException($"Model card '{path}' is of format {card.Format}, newer than this wanwu reads ({CurrentFormat}): update wanwu.")
                : card;
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"Model card '{path}' is not valid: {e.Message}", e);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this with { Format = CurrentFormat }, Json);

    /// <summary>Fields set in <paramref name="over"/> win; the rest come from this card.</summary>
    public ModelCard With(ModelCard over) => new()
    {
        Format = over.Format ?? Format,
        Name = over.Name ?? Name,
        Task = over.Task ?? Task,
        Description = over.Description ?? Description,
        Input = Input.With(over.Input),
        Output = Output.With(over.Output),
        Labels = Labels.With(over.Labels),
        ZeroShot = over.ZeroShot ?? ZeroShot,
        PreferredBatch = over.PreferredBatch ?? PreferredBatch,
    };
}

/// <summary>
/// The text side of an image-text model: the folder's <c>.onnx</c> named by <see cref="ImageEncoder"/> turns images into
/// embeddings, <see cref="TextEncoder"/> turns token ids into embeddings of the same size, and every image is scored
/// against every tag of the user's vocabulary by cosine similarity.
/// </summary>
internal sealed record ZeroShotCard
{
    public string ImageEncoder { get; init; } = "image_encoder.onnx";
    public string TextEncoder { get; init; } = "text_encoder.onnx";
    /// <summary>WordPiece vocabulary (BERT / Chinese-CLIP <c>vocab.txt</c>).</summary>
    public string Vocab { get; init; } = "vocab.txt";
    /// <summary>Token ids per text, [CLS] and [SEP] included; shorter texts are padded with [PAD].</summary>
    public int ContextLength { get; init; } = 52;
    /// <summary>How a tag becomes a sentence; <c>{}</c> is replaced by the tag.</summary>
    public string Template { get; init; } = "一张{}的照片";
    /// <summary>Cosine similarities are multiplied by this before the softmax over tags (CLIP's learned temperature).</summary>
    public float LogitScale { get; init; } = 100;
    /// <summary>The run's tags as the user wrote them (from <c>--vocabulary</c>, before any label map); not read from the card.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Tags { get; init; } = [];
}

/// <summary>The model input: tensor name, layout, element type, size and pixel normalisation.</summary>
internal sealed record InputCard
{
    public string? Name { get; init; }
    /// <summary><c>NCHW</c> or <c>NHWC</c>.</summary>
    public string? Layout { get; init; }
    /// <summary><c>uint8</c>, <c>float32</c> or <c>float16</c>.</summary>
    public string? Dtype { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    /// <summary><c>stretch</c>, <c>center-crop</c> or <c>letterbox</c>.</summary>
    public string? Resize { get; init; }
    public double? CropFraction { get; init; }
    /// <summary>Pixel values are divided by this before mean/std (255 for models trained on 0..1).</summary>
    public double? PixelScale { get; init; }
    public double[]? Mean { get; init; }
    public double[]? Std { get; init; }

    public InputCard With(InputCard o) => new()
    {
        Name = o.Name ?? Name, Layout = o.Layout ?? Layout, Dtype = o.Dtype ?? Dtype, Width = o.Width ?? Width,
        Height = o.Height ?? Height, Resize = o.Resize ?? Resize, CropFraction = o.CropFraction ?? CropFraction,
        PixelScale = o.PixelScale ?? PixelScale, Mean = o.Mean ?? Mean, Std = o.Std ?? Std,
    };
}

/// <summary>How to read the model's outputs.</summary>
internal sealed record OutputCard
{
    /// <summary><c>probabilities</c>, <c>logits</c>, <c>sigmoid</c>, <c>ssd-anchors</c>, <c>centernet</c> or <c>yolo</c>.</summary>
    public string? Kind { get; init; }
    /// <summary>Class scores (classifier, SSD).</summary>
    public string? Scores { get; init; }
    /// <summary>Box offsets (SSD).</summary>
    public string? Boxes { get; init; }
    /// <summary>Anchors (SSD).</summary>
    public string? Anchors { get; init; }
    /// <summary>Per-class centre heatmap [N,H,W,C] (CenterNet).</summary>
    public string? Heatmap { get; init; }
    /// <summary>Distances to the box sides [N,H,W,4] in input pixels (CenterNet).</summary>
    public string? Sizes { get; init; }
    /// <summary>Input pixels per heatmap cell (CenterNet).</summary>
    public int? Stride { get; init; }
    /// <summary>A score column that is "no object" and never reported (SSD: 0).</summary>
    public int? BackgroundClass { get; init; }
    /// <summary>YOLO: <c>anchors-first</c> ([N, A, 4(+1)+C], YOLOv5) or <c>channels-first</c> ([N, 4+C, A], YOLOv8).</summary>
    public string? Layout { get; init; }
    /// <summary>YOLO: whether an objectness column follows the box (YOLOv5: yes, YOLOv8: no).</summary>
    public bool? Objectness { get; init; }
    /// <summary>YOLO: whether boxes are 0..1 fractions of the input rather than input pixels.</summary>
    public bool? Normalized { get; init; }
    /// <summary>Detector: boxes scoring below this are dropped, unless the user gives <c>--score-threshold</c> (default 0.3).</summary>
    public float? ScoreThreshold { get; init; }
    /// <summary>
    /// Detector: a class becomes an image-level label when its best box scores at least this, which may be lower than
    /// <see cref="ScoreThreshold"/> (tags favour recall, drawn boxes precision); default: <see cref="ScoreThreshold"/>.
    /// </summary>
    public float? LabelScoreThreshold { get; init; }

    public OutputCard With(OutputCard o) => new()
    {
        Kind = o.Kind ?? Kind, Scores = o.Scores ?? Scores, Boxes = o.Boxes ?? Boxes, Anchors = o.Anchors ?? Anchors,
        Heatmap = o.Heatmap ?? Heatmap, Sizes = o.Sizes ?? Sizes, Stride = o.Stride ?? Stride,
        BackgroundClass = o.BackgroundClass ?? BackgroundClass, Layout = o.Layout ?? Layout,
        Objectness = o.Objectness ?? Objectness, Normalized = o.Normalized ?? Normalized,
        ScoreThreshold = o.ScoreThreshold ?? ScoreThreshold, LabelScoreThreshold = o.LabelScoreThreshold ?? LabelScoreThreshold,
    };
}

/// <summary>Where class names come from.</summary>
internal sealed record LabelsCard
{
    /// <summary>Label file relative to the model folder: one name a line, or TSV/CSV with columns.</summary>
    public string? File { get; init; }
    /// <summary>Column of the Chinese name in a TSV/CSV file.</summary>
    public int? ZhColumn { get; init; }
    /// <summary>Column of the English name in a TSV/CSV file.</summary>
    public int? EnColumn { get; init; }
    /// <summary>Whether the first line of a TSV/CSV file is a header.</summary>
    public bool? Header { get; init; }

    public LabelsCard With(LabelsCard o) => new()
    {
        File = o.File ?? File, ZhColumn = o.ZhColumn ?? ZhColumn, EnColumn = o.EnColumn ?? EnColumn, Header = o.Header ?? Header,
    };
}
