namespace Wanwu;

/// <summary>Output file formats a run can write besides <c>summary.json</c>.</summary>
public enum OutputFormat { Jsonl, Json, Csv, Parquet }

/// <summary>Everything a tagging run needs; one record flows from the CLI through every stage.</summary>
public sealed record TagOptions
{
    /// <summary>Directories, image files or list files (one path a line).</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>Directory that receives results.jsonl, summary.json and the other outputs.</summary>
    public required string OutputDir { get; init; }

    /// <summary>A built-in model name, an .onnx file, or a folder holding a model.</summary>
    public string Model { get; init; } = Models.BuiltinModels.DefaultName;

    /// <summary>Labels kept per image, best first.</summary>
    public int TopK { get; init; } = 5;

    /// <summary>Images per inference call; 0 probes the model for the batch that runs fastest.</summary>
    public int BatchSize { get; init; }

    /// <summary>Parallel decoders; 0 means one per core.</summary>
    public int DecodeThreads { get; init; }

    /// <summary>Devices to run on, one inference session each (<c>auto</c>, <c>cpu</c>, <c>cuda:N</c>, <c>tensorrt:N</c>); results are merged.</summary>
    public IReadOnlyList<string> Devices { get; init; } = ["auto"];

    /// <summary>Threads ONNX Runtime may use inside one operator; 0 lets wanwu choose.</summary>
    public int InferenceThreads { get; init; }

    /// <summary>Formats written besides summary.json (JSONL is always written).</summary>
    public IReadOnlySet<OutputFormat> Formats { get; init; } = new HashSet<OutputFormat> { OutputFormat.Jsonl };

    /// <summary>Also write one JSON file per image under <c>json/</c>.</summary>
    public bool PerImageJson { get; init; }

    /// <summary>A TSV file renaming or merging classes into the user's taxonomy (see <see cref="Models.LabelMap"/>).</summary>
    public string? LabelMapFile { get; init; }

    /// <summary>For an image-text (zero-shot) model: the user's tags, one a line.</summary>
    public string? Vocabulary { get; init; }

    /// <summary>For a zero-shot model: how a tag becomes a sentence (<c>一张{}的照片</c>); null takes the model card's.</summary>
    public string? Prompt { get; init; }

    /// <summary>Detections below this score are dropped; null (not given) takes the model card's thresholds, else 0.3.</summary>
    public float? ScoreThreshold { get; init; }

    /// <summary>Overlap above which a weaker box of the same class is suppressed.</summary>
    public float IouThreshold { get; init; } = 0.45f;

    /// <summary>Most objects kept per image.</summary>
    public int MaxDetections { get; init; } = 100;

    /// <summary>Images whose header claims more pixels than this are refused before decoding.</summary>
    public long MaxPixels { get; init; } = 20_000L * 20_000L;

    /// <summary>
    /// Called once when a decode runs longer than <see cref="DecodeTimeout"/>: a hung native decoder cannot be stopped
    /// from inside the process, so the CLI's worker process exits and its supervisor records the file as an error.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Action<Sources.InputItem>? OnDecodeHung { get; init; }

    /// <summary>Longest a single decode may take before <see cref="OnDecodeHung"/> is called.</summary>
    public TimeSpan DecodeTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Only images whose path is in this set are tagged (used to retry crash suspects one by one).</summary>
    public IReadOnlySet<string>? OnlyPaths { get; init; }

    /// <summary>Start afresh instead of resuming: previous results in the output folder are removed.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Where built-in models are cached; null uses <see cref="Models.ModelCache.DefaultRoot"/>.</summary>
    public string? ModelCacheDir { get; init; }

    internal int EffectiveDecodeThreads => DecodeThreads > 0 ? DecodeThreads : Environment.ProcessorCount;
}
