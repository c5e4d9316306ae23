using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Sources;

namespace Wanwu.Tests;

/// <summary>Runs a model over files through the real pipeline and collects the records by path.</summary>
public static class ModelTestKit
{
    public static async Task<Dictionary<string, ImageResult>> TagAsync(string model, IEnumerable<string> inputs, Func<TagRun, TagRun>? configure = null)
    {
        var options = Run(inputs.ToList(), Path.GetTempPath(), new ModelOptions { Model = model });
        if (configure is not null) options = configure(options);
        using var loaded = ModelLoader.Load(options.Model);
        var results = new Dictionary<string, ImageResult>();
        await foreach (var batch in TaggingPipeline.RunAsync(loaded, ImageSources.Enumerate(options.Inputs), options.Decode, options.Postprocess, TestContext.Current.CancellationToken))
            foreach (var r in batch) results.Add(r.Path, r);
        return results;
    }

    /// <summary>A run of <paramref name="inputs"/> into <paramref name="output"/> with the given model options.</summary>
    public static TagRun Run(IReadOnlyList<string> inputs, string output, ModelOptions model, params OutputFormat[] formats) => new()
    {
        Inputs = inputs,
        Output = new OutputOptions { Dir = output, Formats = new HashSet<OutputFormat>([OutputFormat.Jsonl, .. formats]) },
        Model = model,
    };

    public static string PhotoPath(string name) => Path.Combine(TestPaths.Photos, name);
}
