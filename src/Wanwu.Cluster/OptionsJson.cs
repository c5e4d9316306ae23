using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wanwu.Cluster;

/// <summary>How a run's <see cref="TagOptions"/> travel from the coordinator to the workers.</summary>
public static class OptionsJson
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter(), new ReadOnlySetConverter<OutputFormat>(), new ReadOnlySetConverter<string>() },
    };

    public static string Write(TagOptions options) => JsonSerializer.Serialize(options, Json);

    public static TagOptions Read(string json) =>
        JsonSerializer.Deserialize<TagOptions>(json, Json) ?? throw new JsonException("empty shard options");

    /// <summary>What decides the loaded model: the options without the shard's own input and output.</summary>
    public static string ModelKey(TagOptions options) =>
        Write(options with { Inputs = [], OutputDir = "", Overwrite = false, OnlyPaths = null });
}

/// <summary>Reads a JSON array into a <see cref="HashSet{T}"/> where the options declare an <see cref="IReadOnlySet{T}"/>.</summary>
internal sealed class ReadOnlySetConverter<T> : JsonConverter<IReadOnlySet<T>>
{
    public override IReadOnlySet<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<HashSet<T>>(ref reader, options);

    public override void Write(Utf8JsonWriter writer, IReadOnlySet<T> value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.ToArray(), options);
}
