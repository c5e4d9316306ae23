using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Sources;

namespace Wanwu.Tests;

/// <summary>Runs a model over files through the real pipeline and collects the records by path.</summary>
public static class ModelTestKit
{
    public static async Task<Dictionary<string, ImageResult>> TagAsync(string model, IEnumerable<string> inputs, Func<TagOptions, TagOptions>? configure = null)
    {
        var options = new TagOptions { Inputs = inputs.ToList(), OutputDir = Path.GetTempPath(), Model = model };
        if (configure is not null) options = configure(options);
        using var loaded = ModelLoader.Load(options);
        var results = new Dictionary<string, ImageResult>();
        await foreach (var batch in TaggingPipeline.RunAsync(loaded, ImageSources.Enumerate(options.Inputs), options, TestContext.Current.CancellationToken))
            foreach (var r in batch) results.Add(r.Path, r);
        return results;
    }

    public static string PhotoPath(string name) => Path.Combine(TestPaths.Photos, name);
}
