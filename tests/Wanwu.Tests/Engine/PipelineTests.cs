using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Postprocess;
using Wanwu.Sources;

namespace Wanwu.Tests;

public class PipelineTests
{
    /// <summary>The real backend, made to fail on any batch larger than <paramref name="limit"/>, as an out-of-memory would.</summary>
    private sealed class FailingAboveBackend(IInferenceBackend inner, int limit) : IInferenceBackend
    {
        public List<int> Attempts { get; } = [];
        public string ExecutionProvider => inner.ExecutionProvider;

        public IReadOnlyList<OutputTensor> Run(IReadOnlyList<DecodedImage> images)
        {
            lock (Attempts) Attempts.Add(images.Count);
            if (images.Count > limit) throw new InvalidOperationException($"injected failure: out of memory for a batch of {images.Count}");
            return inner.Run(images);
        }

        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public async Task A_failing_batch_is_split_and_retried_and_later_batches_use_the_size_that_worked()
    {
        var options = ModelTestKit.Run([TestPaths.Photos], "", new ModelOptions { Model = TestPaths.MobileNet, BatchSize = 16 });
        var expected = await ModelTestKit.TagAsync(options.Model.Model, options.Inputs, o => o with { Model = o.Model with { BatchSize = 16 } });

        using var real = ModelLoader.Load(options.Model);
        var failing = new FailingAboveBackend(real.Backend, 3);
        using var model = new LoadedModel(real.Spec, [failing], real.Path, 16);
        var results = new List<ImageResult>();
        await foreach (var batch in TaggingPipeline.RunAsync(model, ImageSources.Enumerate(options.Inputs), options.Decode, options.Postprocess, TestContext.Current.CancellationToken))
            results.AddRange(batch);

        Assert.Equal(100, results.Count);
        Assert.Equal(expected.Keys.Order(), results.Select(r => r.Path).Order());
        foreach (var r in results)
        {
            Assert.Null(r.Error);
            Assert.Equal(expected[r.Path].Labels.Select(l => l.Id), r.Labels.Select(l => l.Id));
        }
        // 16 failed, 8 failed, 4 failed, then 2s; after that no batch above 2 was tried again.
        Assert.Equal([16, 8, 4], failing.Attempts.Take(3));
        Assert.All(failing.Attempts.Skip(3), n => Assert.True(n <= 2));
    }

    /// <summary>The real backend, reporting itself as a GPU's.</summary>
    private sealed class OnGpuBackend(IInferenceBackend inner) : IInferenceBackend
    {
        public List<int> Sizes { get; } = [];
        public string ExecutionProvider => ExecutionProviders.Cuda + ":0";

        public IReadOnlyList<OutputTensor> Run(IReadOnlyList<DecodedImage> images)
        {
            lock (Sizes) Sizes.Add(images.Count);
            return inner.Run(images);
        }

        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public async Task On_a_gpu_a_short_last_batch_is_padded_to_the_batch_size_and_only_real_images_get_records()
    {
        var options = ModelTestKit.Run(TestPaths.SomePhotos(11), "", new ModelOptions { Model = TestPaths.MobileNet, BatchSize = 4 });
        var expected = await ModelTestKit.TagAsync(options.Model.Model, options.Inputs, o => o with { Model = o.Model with { BatchSize = 4 } });
        using var real = ModelLoader.Load(options.Model);
        var gpu = new OnGpuBackend(real.Backend);
        using var model = new LoadedModel(real.Spec, [gpu], real.Path, 4);
        var results = new List<ImageResult>();
        await foreach (var batch in TaggingPipeline.RunAsync(model, ImageSources.Enumerate(options.Inputs), options.Decode, options.Postprocess, TestContext.Current.CancellationToken))
            results.AddRange(batch);

        Assert.All(gpu.Sizes, n => Assert.Equal(4, n));  // 4, 4 and 3 padded to 4: one input shape for the whole run
        Assert.Equal(11, results.Count);
        Assert.Equal(expected.Keys.Order(), results.Select(r => r.Path).Order());
        foreach (var r in results) Assert.Equal(expected[r.Path].Labels.Select(l => l.Id), r.Labels.Select(l => l.Id));
    }

    [Fact]
    public async Task A_batch_that_fails_even_alone_gives_error_records_not_a_stopped_run()
    {
        var options = ModelTestKit.Run(TestPaths.SomePhotos(5), "", new ModelOptions { Model = TestPaths.MobileNet });
        using var real = ModelLoader.Load(options.Model);
        using var model = new LoadedModel(real.Spec, [new FailingAboveBackend(real.Backend, 0)], real.Path, real.BatchSize);
        var results = new List<ImageResult>();
        await foreach (var batch in TaggingPipeline.RunAsync(model, ImageSources.Enumerate(options.Inputs), options.Decode, options.Postprocess, TestContext.Current.CancellationToken))
            results.AddRange(batch);
        Assert.Equal(5, results.Count);
        Assert.All(results, r => Assert.Equal("inference_error", r.Error?.Type));
    }

    [Fact]
    public async Task Every_input_gets_exactly_one_record_good_or_bad()
    {
        using var dir = new TempDir();
        foreach (var p in TestPaths.SomePhotos(7)) File.Copy(p, dir[Path.GetFileName(p)]);
        File.WriteAllBytes(dir["empty.jpg"], []);
        File.WriteAllText(dir["html.png"], "<html></html>");
        var bytes = File.ReadAllBytes(TestPaths.SomePhotos(1)[0]);
        File.WriteAllBytes(dir["truncated.jpg"], bytes[..(bytes.Length / 3)]);
        File.Copy(TestPaths.SomePhotos(1)[0], dir["商品 照片.JPG"]);
        var results = await ModelTestKit.TagAsync(TestPaths.MobileNet, [dir.Path], o => o with { Model = o.Model with { BatchSize = 3 } });
        Assert.Equal(11, results.Count);
        Assert.Equal("empty_file", results["empty.jpg"].Error?.Type);
        Assert.Equal("decode_error", results["html.png"].Error?.Type);
        Assert.Null(results["商品 照片.JPG"].Error);
        Assert.Equal(8, results.Values.Count(r => r.Error is null && r.Labels.Count == 5) - (results["truncated.jpg"].Error is null ? 1 : 0));
    }
}
