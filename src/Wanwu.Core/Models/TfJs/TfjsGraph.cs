using System.Text.Json;

namespace Wanwu.Models.TfJs;

/// <summary>One node of a TF.js graph model (a TensorFlow GraphDef in JSON).</summary>
internal sealed record TfNode(string Name, string Op, IReadOnlyList<string> Inputs, JsonElement Attr)
{
    public bool Has(string key) => Attr.ValueKind == JsonValueKind.Object && Attr.TryGetProperty(key, out _);

    public string? String(string key) =>
        Has(key) && Attr.GetProperty(key).TryGetProperty("s", out var s) ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(s.GetString()!)) : null;

    public bool Bool(string key) => Has(key) && Attr.GetProperty(key).TryGetProperty("b", out var b) && b.GetBoolean();

    public long[] Ints(string key) =>
        Has(key) && Attr.GetProperty(key).TryGetProperty("list", out var l) && l.TryGetProperty("i", out var i)
            ? i.EnumerateArray().Select(x => long.Parse(x.GetString()!)).ToArray()
            : [];

    public string[] Strings(string key) =>
        Has(key) && Attr.GetProperty(key).TryGetProperty("list", out var l) && l.TryGetProperty("s", out var s)
            ? s.EnumerateArray().Select(x => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(x.GetString()!))).ToArray()
            : [];
}

/// <summary>A constant of the graph, decoded from the weight files (de-quantised to float where it was quantised).</summary>
internal sealed record TfWeight(string Name, int[] Shape, float[]? Floats, int[]? Ints)
{
    public int Count => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>A TF.js graph model: <c>model.json</c> (topology and weight manifest) with its <c>.bin</c> shards.</summary>
internal sealed class TfjsGraph
{
    public required IReadOnlyDictionary<string, TfNode> Nodes { get; init; }
    public required IReadOnlyDictionary<string, TfWeight> Weights { get; init; }

    /// <summary>Loads a model.json and the weight shards it names, from the same folder.</summary>
    public static TfjsGraph Load(string modelJsonPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(modelJsonPath));
            var root = doc.RootElement;
            if (!root.TryGetProperty("modelTopology", out var topology) || !topology.TryGetProperty("node", out var nodeArray))
                throw new ModelLoadException($"'{modelJsonPath}' is not a TF.js graph model (no modelTopology.node); layers models are not supported.");
            var nodes = new Dictionary<string, TfNode>();
            foreach (var n in nodeArray.EnumerateArray())
            {
                var inputs = n.TryGetProperty("input", out var ins) ? ins.EnumerateArray().Select(i => i.GetString()!).Where(i => !i.StartsWith('^')).ToArray() : [];
                var attr = n.TryGetProperty("attr", out var a) ? a.Clone() : default;
                var node = new TfNode(n.GetProperty("name").GetString()!, n.GetProperty("op").GetString()!, inputs, attr);
                nodes[node.Name] = node;
            }
            var dir = Path.GetDirectoryName(Path.GetFullPath(modelJsonPath))!;
            return new TfjsGraph { Nodes = nodes, Weights = ReadWeights(root.GetProperty("weightsManifest"), dir) };
        }
        catch (Exception e) when (e is not ModelLoadException and not OutOfMemoryException)
        {
            throw new ModelLoadException($"Cannot read TF.js model '{modelJsonPath}': {e.Message}", e);
        }
    }

    private static Dictionary<string, TfWeight> ReadWeights(JsonElement manifest, string dir)
    {
        var weights = new Dictionary<string, TfWeight>();
        foreach (var group in manifest.EnumerateArray())
        {
            var data = group.GetProperty("paths").EnumerateArray()
                .SelectMany(p => File.ReadAllBytes(Path.Combine(dir, p.GetString()!))).ToArray();
            var offset = 0;
            foreach (var w in group.GetProperty("weights").EnumerateArray())
            {
                var name = w.GetProperty("name").GetString()!;
                var shape = w.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
                var count = shape.Aggregate(1, (a, b) => a * b);
                var dtype = w.GetProperty("dtype").GetString();
                var quant = w.TryGetProperty("quantization", out var q) ? q : (JsonElement?)null;
                var weight = new TfWeight(name, shape, null, null);
                if (quant is { } qq)
                {
                    var qtype = qq.GetProperty("dtype").GetString();
                    var floats = new float[count];
                    switch (qtype)
                    {
                        case "float16":
                            Need(data, offset, count * 2, name);
                            for (var i = 0; i < count; i++) floats[i] = (float)BitConverter.ToHalf(data, offset + 2 * i);
                            offset += count * 2;
                            break;
                        case "uint8":
                        case "uint16":
                        {
                            var size = qtype == "uint8" ? 1 : 2;
                            Need(data, offset, count * size, name);
                            var min = qq.GetProperty("min").GetSingle();
                            var scale = qq.GetProperty("scale").GetSingle();
                            for (var i = 0; i < count; i++)
                                floats[i] = min + scale * (size == 1 ? data[offset + i] : BitConverter.ToUInt16(data, offset + 2 * i));
                            offset += count * size;
                            break;
                        }
                        default:
                            throw new ModelLoadException($"weight '{name}' uses quantisation '{qtype}', which wanwu does not read");
                    }
                    weight = dtype == "int32" ? weight with { Ints = floats.Select(f => (int)MathF.Round(f)).ToArray() } : weight with { Floats = floats };
                }
                else
                {
                    var size = dtype == "bool" ? 1 : 4;
                    Need(data, offset, count * size, name);
                    weight = dtype switch
                    {
                        "float32" => weight with { Floats = Enumerable.Range(0, count).Select(i => BitConverter.ToSingle(data, offset + 4 * i)).ToArray() },
                        "int32" => weight with { Ints = Enumerable.Range(0, count).Select(i => BitConverter.ToInt32(data, offset + 4 * i)).ToArray() },
                        "bool" => weight with { Ints = Enumerable.Range(0, count).Select(i => (int)data[offset + i]).ToArray() },
                        _ => throw new ModelLoadException($"weight '{name}' has dtype '{dtype}', which wanwu does not read"),
                    };
                    offset += count * size;
                }
                weights[name] = weight;
            }
        }
        return weights;
    }

    private static void Need(byte[] data, int offset, int length, string name)
    {
        if (offset + length > data.Length)
            throw new ModelLoadException($"weight files end before weight '{name}': they are truncated or do not belong to this model.json");
    }
}
