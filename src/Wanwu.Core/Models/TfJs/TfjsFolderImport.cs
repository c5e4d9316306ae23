using System.Text.Json;

namespace Wanwu.Models.TfJs;

/// <summary>
/// A TF.js graph-model folder (<c>model.json</c> + weight shards, as <c>tensorflowjs_converter</c> writes it) turned into
/// a wanwu model folder with the same importer as the built-in model. Outputs are the model's signature outputs, or
/// else the nodes nothing consumes, under their TF names; the folder's <c>wanwu.json</c> and label files come along.
/// </summary>
internal static class TfjsFolderImport
{
    public const string ModelJson = "model.json";

    public static bool IsTfjsFolder(string dir) => File.Exists(Path.Combine(dir, ModelJson));

    public static void Convert(string dir, string outputDir, TextWriter? log)
    {
        var path = Path.Combine(dir, ModelJson);
        var graph = TfjsGraph.Load(path);
        var outputs = SignatureOutputs(path) ?? Sinks(graph);
        if (outputs.Count == 0) throw new ModelLoadException($"'{path}' has no output node to convert.");
        log?.WriteLine($"converting TF.js graph {path} to ONNX (outputs: {string.Join(", ", outputs)})");
        var onnx = TfjsToOnnx.Convert(graph, outputs.ToDictionary(o => o, o => o), metadata: new Dictionary<string, string> { ["source"] = $"TF.js graph model {path}" });
        Directory.CreateDirectory(outputDir);
        File.WriteAllBytes(Path.Combine(outputDir, "model.onnx"), Google.Protobuf.MessageExtensions.ToByteArray(onnx));
        foreach (var file in Directory.GetFiles(dir))
        {
            var name = Path.GetFileName(file);
            if (name == ModelCard.FileName || (name != ModelJson && Path.GetExtension(name).ToLowerInvariant() is ".txt" or ".tsv" or ".csv"))
                File.Copy(file, Path.Combine(outputDir, name));
        }
    }

    /// <summary>The node names of <c>signature.outputs</c> (<c>Identity:0</c> → <c>Identity</c>), where the converter wrote one.</summary>
    private static List<string>? SignatureOutputs(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        JsonElement signature = default;
        var found = root.TryGetProperty("signature", out signature)
            || (root.TryGetProperty("modelTopology", out var topology) && topology.TryGetProperty("signature", out signature));
        if (!found || !signature.TryGetProperty("outputs", out var outputs) || outputs.ValueKind != JsonValueKind.Object) return null;
        var names = outputs.EnumerateObject()
            .Select(o => o.Value.TryGetProperty("name", out var n) ? n.GetString()! : o.Name)
            .Select(n => n.Split(':')[0]).Distinct().ToList();
        return names.Count > 0 ? names : null;
    }

    private static List<string> Sinks(TfjsGraph graph)
    {
        var consumed = graph.Nodes.Values.SelectMany(n => n.Inputs).Select(i => i.Split(':')[0]).ToHashSet(StringComparer.Ordinal);
        return graph.Nodes.Values.Where(n => n.Op is not "Const" and not "Placeholder" && !consumed.Contains(n.Name)).Select(n => n.Name).Order(StringComparer.Ordinal).ToList();
    }
}
