using System.Text.Json.Serialization;

namespace Wanwu;

/// <summary>A whole tagging run: what to tag, where the records go, and the options of each stage.</summary>
public sealed record TagRun
{
    /// <summary>Folders, image files or list files (one path a line).</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>The output folder and its formats.</summary>
    public required OutputOptions Output { get; init; }

    /// <summary>The model and where it runs, for a run of one model; not used when <see cref="Models"/> is given.</summary>
    public ModelOptions Model { get; init; } = new();

    /// <summary>
    /// Several models in one pass: each image is read and decoded once, each model gets its own input from that image
    /// and its own batches, sessions and device, and each image gets one record holding every model's labels, objects
    /// and texts (each label and object naming its model). Empty (the default): <see cref="Model"/> alone.
    /// </summary>
    public IReadOnlyList<ModelOptions> Models { get; init; } = [];

    /// <summary>The models of the run, in order: <see cref="Models"/>, or <see cref="Model"/> alone.</summary>
    internal IReadOnlyList<ModelOptions> AllModels => Models.Count > 0 ? Models : [Model];

    /// <summary>Decoding.</summary>
    public DecodeOptions Decode { get; init; } = new();

    /// <summary>Labels and objects from the model's outputs.</summary>
    public PostprocessOptions Postprocess { get; init; } = new();

    /// <summary>Only images whose path is in this set are tagged (crash suspects are retried one by one).</summary>
    [JsonIgnore]
    internal IReadOnlySet<string>? OnlyPaths { get; init; }
}
