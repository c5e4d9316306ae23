using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wanwu.Cluster;

/// <summary>How a run's <see cref="TagRun"/> travels from the coordinator to the workers.</summary>
internal static class OptionsJson
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter(), new ReadOnlySetConverter<OutputFormat>(), new ReadOnlySetConverter<string>() },
    };

    public static string Write(TagRun options) => JsonSerializer.Serialize(options, Json);

    public static TagRun Read(string json) =>
        JsonSerializer.Deserialize<TagRun>(json, Json) ?? throw new JsonException("empty shard options");

    /// <summary>What decides the loaded models: their options, in order, nothing of the shard's own.</summary>
    public static string ModelKey(TagRun options) => JsonSerializer.Serialize(options.AllModels, Json);
}

/// <summary>Reads a JSON array into a <see cref="HashSet{T}"/> where the options declare an <see cref="IReadOnlySet{T}"/>.</summary>
internal sealed class ReadOnlySetConverter<T> : JsonConverter<IReadOnlySet<T>>
{
    public override IReadOnlySet<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<HashSet<T>>(ref reader, options);

    public override void Write(Utf8JsonWriter writer, IReadOnlySet<T> value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.ToArray(), options);
}
