using System.Text.Json.Serialization;

namespace Wanwu;

/// <summary>A whole tagging run: what to tag, where the records go, and the options of each stage.</summary>
public sealed record TagRun
{
    /// <summary>Folders, image files or list files (one path a line).</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>The output folder and its formats.</summary>
    public required OutputOptions Output { get; init; }

    /// <summary>The model and where it runs.</summary>
    public ModelOptions Model { get; init; } = new();

    /// <summary>Decoding.</summary>
    public DecodeOptions Decode { get; init; } = new();

    /// <summary>Labels and objects from the model's outputs.</summary>
    public PostprocessOptions Postprocess { get; init; } = new();

    /// <summary>Only images whose path is in this set are tagged (crash suspects are retried one by one).</summary>
    [JsonIgnore]
    internal IReadOnlySet<string>? OnlyPaths { get; init; }
}
