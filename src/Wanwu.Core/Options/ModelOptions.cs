namespace Wanwu;

/// <summary>The floating-point precision a model's network runs in.</summary>
public enum Precision
{
    /// <summary>Float16 for float32 models on a GPU (checked on a probe image, float32 kept if it overflows); as the model is elsewhere.</summary>
    Auto,
    /// <summary>As the model is: float32 for a float32 model.</summary>
    Fp32,
    /// <summary>Float16 compute, the numerically sensitive parts (softmax, reductions, a large classifier head) kept in float32.</summary>
    Fp16,
    /// <summary>Bfloat16 compute, where the model's opset allows it (22 and later).</summary>
    Bf16,
}

/// <summary>
/// Which model a run loads and how: its identity. Runs with equal model options can share one loaded model (a cluster
/// worker keeps it from shard to shard).
/// </summary>
public sealed record ModelOptions
{
    /// <summary>A built-in model name, an .onnx file, a model folder or a URL.</summary>
    public string Model { get; init; } = Models.BuiltinModels.DefaultName;

    /// <summary>A TSV file renaming or merging classes into the user's taxonomy (<c>from&lt;TAB&gt;to[&lt;TAB&gt;to_en]</c>).</summary>
    public string? LabelMapFile { get; init; }

    /// <summary>For an image-text (zero-shot) model: the user's tags, one a line.</summary>
    public string? Vocabulary { get; init; }

    /// <summary>For a zero-shot model: how a tag becomes a sentence (<c>一张{}的照片</c>); null takes the model card's.</summary>
    public string? Prompt { get; init; }

    /// <summary>Devices to run on, one inference session each (<c>auto</c>, <c>cpu</c>, <c>cuda:N</c>, <c>tensorrt:N</c>).</summary>
    public IReadOnlyList<string> Devices { get; init; } = ["auto"];

    /// <summary>Threads ONNX Runtime may use inside one operator; 0 lets wanwu choose.</summary>
    public int InferenceThreads { get; init; }

    /// <summary>Images per inference call; 0 probes the model for the batch that runs fastest.</summary>
    public int BatchSize { get; init; }

    /// <summary>The precision the network runs in; int8 and float16 models run as they are.</summary>
    public Precision Precision { get; init; } = Precision.Auto;

    /// <summary>On a GPU, decode JPEGs there (nvJPEG, where the CUDA toolkit has it); other files are decoded on the CPU.</summary>
    public bool GpuDecode { get; init; } = true;

    /// <summary>Where fetched and converted models are cached; null uses <c>$WANWU_HOME</c> or <c>~/.cache/wanwu</c>.</summary>
    public string? CacheDir { get; init; }
}
