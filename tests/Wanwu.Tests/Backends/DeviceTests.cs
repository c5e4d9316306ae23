using System.Text.Json;
using Wanwu.Backends;
using Wanwu.Engine;

namespace Wanwu.Tests;

/// <summary>Device choice, provider fallback, several sessions merged into one output, and batch-size probing.</summary>
public class DeviceTests
{
    [Theory]
    [InlineData("auto", "Auto", 0)]
    [InlineData("cpu", "Cpu", 0)]
    [InlineData("cuda", "Cuda", 0)]
    [InlineData("CUDA:3", "Cuda", 3)]
    [InlineData("1", "Cuda", 1)]
    [InlineData("trt:2", "TensorRt", 2)]
    public void Devices_parse(string text, string kind, int id) => Assert.Equal(new DeviceSpec(Enum.Parse<DeviceKind>(kind), id), DeviceSpec.Parse(text));

    [Theory]
    [InlineData("npu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    public void Bad_devices_are_refused(string text) => Assert.Throws<ArgumentException>(() => DeviceSpec.Parse(text));

    [Fact]
    public void Without_a_gpu_runtime_every_request_falls_back_to_the_cpu_with_a_note()
    {
        var cpuOnly = new HashSet<string> { ExecutionProviders.Cpu };
        Assert.Equal((new DeviceSpec(DeviceKind.Cpu), (string?)null), ExecutionProviders.Resolve(DeviceSpec.Parse("auto"), cpuOnly));
        var (device, note) = ExecutionProviders.Resolve(DeviceSpec.Parse("cuda:1"), cpuOnly);
        Assert.Equal(DeviceKind.Cpu, device.Kind);
        Assert.Contains("CPU build, without ONNX Runtime's CUDA provider", note);
        Assert.Contains("TensorRT", ExecutionProviders.Resolve(DeviceSpec.Parse("tensorrt"), cpuOnly).Note);

        var gpu = new HashSet<string> { ExecutionProviders.Cpu, ExecutionProviders.Cuda };
        Assert.Equal(new DeviceSpec(DeviceKind.Cuda, 0), ExecutionProviders.Resolve(DeviceSpec.Parse("auto"), gpu).Device);
        Assert.Equal((new DeviceSpec(DeviceKind.Cuda, 1), (string?)null), ExecutionProviders.Resolve(DeviceSpec.Parse("cuda:1"), gpu));
    }

    [Fact]
    public void A_provider_library_that_could_not_load_is_named_with_its_reason()
    {
        var cpuOnly = new HashSet<string> { ExecutionProviders.Cpu };
        var failures = new Dictionary<string, string> { [ExecutionProviders.Cuda] = "libcublasLt.so.13: cannot open shared object file" };
        var (device, note) = ExecutionProviders.Resolve(DeviceSpec.Parse("cuda"), cpuOnly, failures);
        Assert.Equal(DeviceKind.Cpu, device.Kind);
        Assert.Contains("could not load its CUDA provider (libcublasLt.so.13", note);
    }

    [Fact]
    public async Task On_a_gpu_the_cuda_run_agrees_with_the_cpu_run()
    {
        Assert.SkipUnless(ExecutionProviders.Available.Contains(ExecutionProviders.Cuda),
            "no CUDA provider in this build or no NVIDIA GPU here (docs/gpu.md: scripts/build-gpu.sh)");
        var photos = TestPaths.SomePhotos(20);
        var cpu = await ModelTestKit.TagAsync(TestPaths.MobileNet, photos, o => o with { Model = o.Model with { Devices = ["cpu"] } });
        var gpu = await ModelTestKit.TagAsync(TestPaths.MobileNet, photos, o => o with { Model = o.Model with { Devices = ["cuda:0"] } });
        Assert.Equal(cpu.Keys.Order(), gpu.Keys.Order());
        var sameTop1 = cpu.Keys.Count(k => cpu[k].Labels[0].Id == gpu[k].Labels[0].Id);
        Assert.True(sameTop1 >= 18, $"top-1 agrees on {sameTop1} of 20 photos");
    }

    [Fact]
    public void Asking_for_cuda_here_says_why_and_runs_on_the_cpu()
    {
        Assert.SkipWhen(ExecutionProviders.Available.Contains(ExecutionProviders.Cuda), "this ONNX Runtime has CUDA");
        using var dir = new TempDir();
        var r = CliProcess.Run("tag", TestPaths.SomePhotos(3)[0], "-o", dir["out"], "--model", TestPaths.MobileNet, "--device", "cuda:0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("CUDA provider; running on the CPU", r.Stderr);
        Assert.Equal(ExecutionProviders.Cpu, RunSummary.Load(dir["out/summary.json"]).ExecutionProvider);
    }

    [Fact]
    public async Task Several_sessions_share_the_batches_and_merge_into_one_output_each_image_once()
    {
        using var dir = new TempDir();
        var one = await TaggingEngine.RunAsync(ModelTestKit.Run([TestPaths.Photos], dir["one"], new ModelOptions { Model = TestPaths.MobileNet, BatchSize = 3 }),
            ct: TestContext.Current.CancellationToken);
        var three = await TaggingEngine.RunAsync(ModelTestKit.Run([TestPaths.Photos], dir["three"], new ModelOptions { Model = TestPaths.MobileNet, BatchSize = 3, Devices = ["cpu", "cpu", "cpu"] }),
            ct: TestContext.Current.CancellationToken);
        long photos = Directory.GetFiles(TestPaths.Photos).Length;
        Assert.Equal((photos, photos), (one.Total, three.Total));
        // Top-1, not the ids below it: the int8 model's scores tie below the top, and on a GPU build the "one" run is on
        // CUDA with nvJPEG, which breaks those ties in its own order (H100: ids 0, 256, 512 where the CPU has 0, 1, 2)
        // and decodes a little differently (the GPU issue asks top-1 equal on 98 % of real photos).
        static Dictionary<string, int> Top(string file) => File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => e.GetProperty("path").GetString()!, e => e.GetProperty("labels")[0].GetProperty("id").GetInt32());
        var (oneTop, threeTop) = (Top(dir["one/results.jsonl"]), Top(dir["three/results.jsonl"]));
        Assert.Equal(oneTop.Keys.Order(), threeTop.Keys.Order());
        var same = oneTop.Count(kv => threeTop[kv.Key] == kv.Value);
        Assert.True(same >= 0.98 * oneTop.Count, $"top-1 equal on {same} of {oneTop.Count}");
    }

    [Fact]
    public void Ocr_left_to_auto_stays_on_a_cpu_of_many_cores_and_goes_where_it_is_sent()
    {
        var auto = new DeviceSpec(DeviceKind.Auto);
        var cuda = new DeviceSpec(DeviceKind.Cuda, 1);
        Assert.Equal(DeviceKind.Cpu, OcrRunModel.DeviceFor(auto, cuda, cores: 16).Kind);
        Assert.Equal(cuda, OcrRunModel.DeviceFor(auto, cuda, cores: 2));
        Assert.Equal(cuda, OcrRunModel.DeviceFor(cuda, cuda, cores: 16));
        Assert.Equal(DeviceKind.Cpu, OcrRunModel.DeviceFor(auto, new DeviceSpec(DeviceKind.Cpu), cores: 2).Kind);
    }

    [Fact]
    public void Probing_picks_the_fastest_batch_and_stops_at_what_does_not_fit()
    {
        // Fixed cost 10 ms per call plus 1 ms per image: bigger is better until the budget or the cap.
        Assert.Equal(64, BatchProbe.Choose(b => 0.010 + 0.001 * b, budgetSeconds: 10, max: 64));
        // Throughput flat from 4 on: stay at 4.
        Assert.Equal(4, BatchProbe.Choose(b => b <= 4 ? 0.010 : 0.0025 * b, budgetSeconds: 10));
        // Out of memory above 8.
        Assert.Equal(8, BatchProbe.Choose(b => b > 8 ? throw new InvalidOperationException("out of memory") : 0.010, budgetSeconds: 10));
        // The budget stops the search early.
        Assert.Equal(2, BatchProbe.Choose(b => 0.3 * b / Math.Sqrt(b), budgetSeconds: 1.0));
    }

    [Fact]
    public void A_real_model_is_probed_and_the_run_reports_the_batch_it_used()
    {
        using var model = ModelLoader.Load(new ModelOptions { Model = TestPaths.MobileNet });
        Assert.InRange(model.BatchSize, 1, BatchProbe.Max);
    }
}
