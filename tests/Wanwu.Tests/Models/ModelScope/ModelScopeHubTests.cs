using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Wanwu.Engine;
using Wanwu.Models;
using Wanwu.Models.Onnx;
using Wanwu.Models.ModelScope;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Tests;

/// <summary>
/// <c>--model modelscope:owner/name[@revision]</c> against a ModelScope hub on 127.0.0.1 that answers the calls of the
/// Python library's hub client with the same JSON envelope, serving a small ResNeSt checkpoint of the real layout.
/// </summary>
public sealed class ModelScopeHubTests
{
    private const string Id = "test/tiny-recognition";

    [Fact]
    public void A_model_is_listed_downloaded_verified_converted_and_then_served_from_the_cache()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub();
        var local = hub.AddRecognitionModel(Id, "master", dir["local"], classes: 10);
        var log = new StringWriter();

        var target = ModelScopeHub.Ensure($"modelscope:{Id}", dir["cache"], log, Settings(hub));

        // The library's listing call: owner/name, Revision, Recursive=True, with its Snapshot and X-Request-ID headers.
        var listing = Assert.Single(hub.Requests, r => r.Path.EndsWith("/repo/files", StringComparison.Ordinal));
        Assert.Equal($"/api/v1/models/{Id}/repo/files?Revision=master&Recursive=True", listing.Target);
        Assert.Equal("True", listing.Header("Snapshot"));
        Assert.Matches("^[0-9a-f]{32}$", listing.Header("X-Request-ID"));
        Assert.StartsWith("wanwu/", listing.Header("User-Agent"));
        Assert.Null(listing.Header("Cookie"));
        // Its download calls: one per file the conversion reads; no README, pictures or git metadata.
        var downloads = hub.Requests.Where(r => r.Path.EndsWith("/repo", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { "configuration.json", "meta_info.txt", "pytorch_model.pt" }, downloads.Select(r => r.Query["FilePath"]).Order(StringComparer.Ordinal).ToArray());
        Assert.All(downloads, r => Assert.Equal("master", r.Query["Revision"]));
        Assert.All(downloads, r => Assert.StartsWith($"/api/v1/models/{Id}/repo?Revision=master&FilePath=", r.Target));
        var size = hub.File(Id, "master", "pytorch_model.pt").Length;
        Assert.Equal($"bytes=0-{size - 1}", downloads.Single(r => r.Query["FilePath"] == "pytorch_model.pt").Header("Range"));

        // The same ONNX model as converting the folder locally: the downloaded bytes were the served ones.
        ModelScopeImport.Convert(local, dir["expected"], null);
        Assert.Equal(File.ReadAllBytes(dir["expected/model.onnx"]), File.ReadAllBytes(Path.Combine(target, "model.onnx")));
        var source = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, ModelScopeHub.SourceFile))).RootElement;
        Assert.Equal(Id, source.GetProperty("model").GetString());
        Assert.Equal("master", source.GetProperty("revision").GetString());
        Assert.Contains("modelscope: listing test/tiny-recognition@master", log.ToString());
        Assert.Contains("skipping README.md, resources/demo.jpg", log.ToString());
        Assert.False(Directory.Exists(dir["cache/downloads/modelscope--test--tiny-recognition@master"]), "the raw download is removed once converted");

        // ModelLoader finds it by its modelscope: name, from the cache, without asking the hub again.
        var requests = hub.Requests.Count;
        var (onnx, spec) = ModelLoader.Describe($"modelscope:{Id}", dir["cache"]);
        Assert.Equal(Path.Combine(target, "model.onnx"), onnx);
        Assert.Equal(10, spec.Labels.Count);
        Assert.Equal("类别3", spec.Labels[3].Zh);
        Assert.Equal("tiny-recognition", spec.Name);
        Assert.Equal(requests, hub.Requests.Count);
    }

    [Fact]
    public void A_cut_download_continues_with_a_Range_request_in_the_same_run_and_in_the_next()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub();
        hub.AddRecognitionModel(Id, "master", dir["local"], classes: 10);
        var size = hub.File(Id, "master", "pytorch_model.pt").Length;
        var cut = size / 3;

        // In the same run: the connection closes after a third of the checkpoint, the next request asks for the rest.
        hub.Cuts[FileKey(Id, "master", "pytorch_model.pt")] = cut;
        var log = new StringWriter();
        ModelScopeHub.Ensure($"modelscope:{Id}", dir["cache"], log, Settings(hub));
        TestContext.Current.TestOutputHelper?.WriteLine(log.ToString());
        Assert.Equal(new[] { $"bytes=0-{size - 1}", $"bytes={cut}-{size - 1}" }, RangesOf(hub, "pytorch_model.pt"));
        Assert.Contains($"resuming at byte {cut:N0}", log.ToString());

        // In the next run: this run gives up after the cut, keeping what it received; the next one continues from there.
        using var dir2 = new TempDir();
        hub.Requests.Clear();
        hub.Cuts[FileKey(Id, "master", "pytorch_model.pt")] = cut;
        var e = Assert.Throws<ModelLoadException>(() => ModelScopeHub.Ensure($"modelscope:{Id}", dir2["cache"], null, Settings(hub) with { Attempts = 1 }));
        Assert.Contains("run again to continue", e.Message);
        var partial = dir2["cache/downloads/modelscope--test--tiny-recognition@master/tiny-recognition/pytorch_model.pt.partial"];
        Assert.Equal(cut, new FileInfo(partial).Length);
        Assert.False(Directory.Exists(dir2["cache/models"]) && Directory.EnumerateFileSystemEntries(dir2["cache/models"]).Any(), "no half model in the cache");

        var target = ModelScopeHub.Ensure($"modelscope:{Id}", dir2["cache"], null, Settings(hub));
        Assert.Equal(new[] { $"bytes=0-{size - 1}", $"bytes={cut}-{size - 1}" }, RangesOf(hub, "pytorch_model.pt"));
        Assert.True(File.Exists(Path.Combine(target, "model.onnx")));
    }

    [Fact]
    public async Task Two_fetches_of_the_same_model_at_once_download_it_once()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub();
        hub.AddRecognitionModel(Id, "master", dir["local"], classes: 10);
        var logs = new[] { new StringWriter(), new StringWriter() };
        var targets = await Task.WhenAll(logs.Select(log => Task.Run(() => ModelScopeHub.Ensure($"modelscope:{Id}", dir["cache"], TextWriter.Synchronized(log), Settings(hub)))));
        Assert.Equal(targets[0], targets[1]);
        Assert.Single(hub.Requests, r => r.Path.EndsWith("/repo/files", StringComparison.Ordinal));
        Assert.Single(hub.Requests, r => r.Query.GetValueOrDefault("FilePath") == "pytorch_model.pt");
        Assert.Single(logs, log => log.ToString().Contains("another wanwu is fetching test/tiny-recognition@master; waiting for it"));
    }

    [Fact]
    public void A_file_whose_SHA256_differs_from_the_listing_is_refused_and_nothing_is_cached()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub();
        hub.AddRecognitionModel(Id, "master", dir["local"], classes: 10);
        var served = hub.File(Id, "master", "pytorch_model.pt");
        hub.WrongSha[FileKey(Id, "master", "pytorch_model.pt")] = new string('a', 64);

        var e = Assert.Throws<ModelLoadException>(() => ModelScopeHub.Ensure($"modelscope:{Id}", dir["cache"], null, Settings(hub)));
        Assert.Contains($"pytorch_model.pt from 127.0.0.1 has SHA-256 {Sha(served)}, but the ModelScope listing says {new string('a', 64)}", e.Message);
        Assert.Contains("nothing was cached", e.Message);
        Assert.False(Directory.Exists(dir["cache/models"]) && Directory.EnumerateFileSystemEntries(dir["cache/models"]).Any());
        Assert.DoesNotContain(Directory.EnumerateFiles(dir["cache"], "*", SearchOption.AllDirectories), f => new FileInfo(f).Length == served.Length);
    }

    [Fact]
    public void A_revision_reaches_the_hub_as_Revision_and_gets_its_own_cache_entry()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub();
        hub.AddRecognitionModel(Id, "master", dir["master"], classes: 10);
        hub.AddRecognitionModel(Id, "v1.0", dir["v1.0"], classes: 10, labelPrefix: "标签");

        var v1 = ModelScopeHub.Ensure($"modelscope:{Id}@v1.0", dir["cache"], null, Settings(hub));
        Assert.All(hub.Requests, r => Assert.Equal("v1.0", r.Query["Revision"]));
        Assert.Contains(hub.Requests, r => r.Target == $"/api/v1/models/{Id}/repo/files?Revision=v1.0&Recursive=True");
        var master = ModelScopeHub.Ensure($"modelscope:{Id}", dir["cache"], null, Settings(hub));
        Assert.NotEqual(v1, master);
        Assert.Equal("标签3", ModelLoader.Describe(v1).Spec.Labels[3].Zh);
        Assert.Equal("类别3", ModelLoader.Describe(master).Spec.Labels[3].Zh);

        // ModelScope answers an unknown revision with 200 and "Files": null; that is not an empty model.
        var e = Assert.Throws<ModelLoadException>(() => ModelScopeHub.Ensure($"modelscope:{Id}@main", dir["cache"], null, Settings(hub)));
        Assert.Contains("revision 'main' does not exist", e.Message);
        Assert.Contains("default branch is master", e.Message);
    }

    [Fact]
    public void The_access_token_goes_as_the_m_session_id_cookie_to_the_hub_and_not_to_the_CDN()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub { RequiredToken = "ms-0123-secret", RedirectToCdn = true };
        hub.AddRecognitionModel(Id, "master", dir["local"], classes: 10);

        var refused = Assert.Throws<ModelLoadException>(() => ModelScopeHub.Ensure($"modelscope:{Id}", dir["cache"], null, Settings(hub)));
        Assert.Contains("HTTP 401", refused.Message);
        Assert.Contains("unauthorized permission", refused.Message);
        Assert.Contains("set MODELSCOPE_API_TOKEN", refused.Message);
        var wrong = Assert.Throws<ModelLoadException>(() => ModelScopeHub.Ensure($"modelscope:{Id}", dir["cache"], null, Settings(hub) with { Token = "ms-wrong" }));
        Assert.Contains("the token in MODELSCOPE_API_TOKEN was not accepted", wrong.Message);

        hub.Requests.Clear();
        var target = ModelScopeHub.Ensure($"modelscope:{Id}", dir["cache"], null, Settings(hub) with { Token = "ms-0123-secret" });
        Assert.True(File.Exists(Path.Combine(target, "model.onnx")));
        var api = hub.Requests.Where(r => r.Path.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        var cdn = hub.Requests.Where(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, api.Count);
        Assert.All(api, r => Assert.Equal("m_session_id=ms-0123-secret", r.Header("Cookie")));
        Assert.Equal(3, cdn.Count);
        Assert.All(cdn, r => Assert.StartsWith("localhost:", r.Header("Host")));
        Assert.All(cdn, r => Assert.Null(r.Header("Cookie")));
        Assert.All(cdn, r => Assert.StartsWith("bytes=0-", r.Header("Range")));   // the Range survives the redirect
    }

    [Fact]
    public void An_unknown_model_or_an_unreachable_hub_gives_a_message_that_says_what_to_do()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub();
        var missing = Assert.Throws<ModelLoadException>(() => ModelScopeHub.Ensure("modelscope:nobody/no-such-model", dir["cache"], null, Settings(hub)));
        Assert.Contains("ModelScope has no model nobody/no-such-model", missing.Message);
        Assert.Contains("HTTP 404", missing.Message);
        Assert.Contains("record not found", missing.Message);
        Assert.Contains($"{hub.Endpoint}/models/nobody/no-such-model", missing.Message);
        Assert.Contains("MODELSCOPE_API_TOKEN", missing.Message);

        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var offline = Assert.Throws<ModelLoadException>(() =>
            ModelScopeHub.Ensure($"modelscope:{Id}", dir["cache"], null, Settings(hub) with { Endpoint = $"http://127.0.0.1:{port}", Attempts = 2 }));
        Assert.Contains($"Cannot reach ModelScope at http://127.0.0.1:{port}", offline.Message);
        Assert.Contains("HTTPS_PROXY", offline.Message);
        Assert.Contains("MODELSCOPE_DOMAIN", offline.Message);

        Assert.Contains("modelscope:owner/name", Assert.Throws<ModelLoadException>(() => ModelScopeHub.Ensure("modelscope:just-a-name", dir["cache"], null, Settings(hub))).Message);
        Assert.Contains("not a revision", Assert.Throws<ModelLoadException>(() => ModelScopeHub.Ensure($"modelscope:{Id}@../x", dir["cache"], null, Settings(hub))).Message);
    }

    [Fact]
    public void A_model_of_a_layout_wanwu_cannot_convert_is_refused_before_any_download()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub();
        hub.Repos["test/some-llm@master"] = new Dictionary<string, byte[]>
        {
            ["config.json"] = "{}"u8.ToArray(),
            ["model.safetensors"] = new byte[4096],
            ["README.md"] = "# an LLM"u8.ToArray(),
        };
        var e = Assert.Throws<ModelLoadException>(() => ModelScopeHub.Ensure("modelscope:test/some-llm", dir["cache"], null, Settings(hub)));
        Assert.Contains("ModelScope model test/some-llm@master is not a layout wanwu can convert", e.Message);
        Assert.Contains("README.md, config.json, model.safetensors", e.Message);
        Assert.Contains("modelscope (pytorch_model.pt + meta_info.txt)", e.Message);
        Assert.Contains("nothing was downloaded", e.Message);
        Assert.DoesNotContain(hub.Requests, r => r.Path.EndsWith("/repo", StringComparison.Ordinal));
    }

    [Fact]
    public void A_model_that_is_already_ONNX_is_fetched_as_it_is()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub();
        // Scores = the mean of each colour channel: a real ONNX model, as Fp16Tests builds one.
        var g = new OnnxGraphBuilder();
        g.Reserve("scores");
        g.Input("pixels", DataType.Float, -1, 3, 16, 16);
        g.Output(g.NodeNamed("ReduceMean", "scores", ["pixels", g.Int64s("axes", 2, 3)], OnnxGraphBuilder.Attr("keepdims", 0L)), DataType.Float, -1, 3);
        var onnx = g.Build().ToByteArray();
        hub.Repos["test/colours@master"] = new Dictionary<string, byte[]>
        {
            ["colours.onnx"] = onnx,
            ["labels.txt"] = "红\n绿\n蓝\n"u8.ToArray(),
            ["wanwu.json"] = """{ "task": "classify", "input": { "pixel_scale": 255, "mean": [0, 0, 0], "std": [1, 1, 1] }, "output": { "kind": "logits" } }"""u8.ToArray(),
            ["README.md"] = "# colours"u8.ToArray(),
        };

        var log = new StringWriter();
        var target = ModelScopeHub.Ensure("modelscope:test/colours", dir["cache"], log, Settings(hub));
        Assert.Contains("onnx layout; fetching colours.onnx, labels.txt, wanwu.json", log.ToString());
        Assert.Equal(onnx, File.ReadAllBytes(Path.Combine(target, "colours.onnx")));
        Assert.False(File.Exists(Path.Combine(target, "README.md")));
        var (file, spec) = ModelLoader.Describe("modelscope:test/colours", dir["cache"]);
        Assert.Equal(Path.Combine(target, "colours.onnx"), file);
        Assert.Equal(3, spec.Labels.Count);
        Assert.Equal(new[] { "红", "绿", "蓝" }, Enumerable.Range(0, 3).Select(i => spec.Labels[i].Zh).ToArray());
    }

    [Fact]
    public void Not_enough_disk_space_is_said_before_downloading()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub();
        hub.AddRecognitionModel(Id, "master", dir["local"], classes: 10);
        var e = Assert.Throws<ModelLoadException>(() => ModelScopeHub.Ensure($"modelscope:{Id}", dir["cache"], null, Settings(hub) with { FreeSpace = _ => 1000 }));
        Assert.Contains("Not enough disk space", e.Message);
        Assert.Contains("WANWU_HOME", e.Message);
        Assert.DoesNotContain(hub.Requests, r => r.Path.EndsWith("/repo", StringComparison.Ordinal));
        Assert.True(DiskSpace.Free(dir.Path) > 0, "the real measurement works on this disk");
    }

    [Fact]
    public void Endpoint_and_token_come_from_MODELSCOPE_DOMAIN_and_MODELSCOPE_API_TOKEN()
    {
        static ModelScopeHubSettings From(string? domain, string? token = null) =>
            ModelScopeHubSettings.FromEnvironment(name => name switch { "MODELSCOPE_DOMAIN" => domain, "MODELSCOPE_API_TOKEN" => token, _ => null });

        Assert.Equal("https://www.modelscope.cn", From(null).Endpoint);
        Assert.Equal("https://www.modelscope.cn", From(" ").Endpoint);
        Assert.Equal("https://www.modelscope.ai", From("www.modelscope.ai").Endpoint);
        Assert.Equal("https://mirror.example.com:8443", From("mirror.example.com:8443/").Endpoint);
        Assert.Equal("http://127.0.0.1:8080", From("http://127.0.0.1:8080/").Endpoint);
        Assert.Contains("MODELSCOPE_DOMAIN", Assert.Throws<ModelLoadException>(() => From("ftp://x")).Message);
        Assert.Contains("MODELSCOPE_DOMAIN", Assert.Throws<ModelLoadException>(() => From("https://x/api")).Message);
        Assert.Null(From(null).Token);
        Assert.Equal("ms-abc", From(null, " ms-abc ").Token);

        Assert.Equal(new ModelScopeRef("damo", "cv_resnest101_general_recognition", "master"), ModelScopeRef.Parse("modelscope:damo/cv_resnest101_general_recognition"));
        Assert.Equal(new ModelScopeRef("iic", "x.y-z", "v1.0.2"), ModelScopeRef.Parse("ModelScope:iic/x.y-z@v1.0.2"));
        Assert.Equal("modelscope--a--b@feature~x", ModelScopeRef.Parse("modelscope:a/b@feature/x").CacheName);
        Assert.Equal("modelscope:damo/cv_resnest101_general_recognition", BuiltinModels.Find("wanwu-general")!.Source);
        Assert.Contains("54,092", BuiltinModels.Find("wanwu-general")!.Description);
    }

    [Fact]
    public void The_cli_fetches_wanwu_general_through_an_HTTP_proxy_and_answers_exit_4_for_a_missing_model()
    {
        using var dir = new TempDir();
        using var hub = new FakeHub();
        hub.AddRecognitionModel("damo/cv_resnest101_general_recognition", "master", dir["local"], classes: 10);
        // The hub's name does not resolve: only the proxy (the fake hub, reached through http_proxy) can answer.
        var env = new Dictionary<string, string>
        {
            ["WANWU_HOME"] = dir["home"], ["MODELSCOPE_DOMAIN"] = "http://hub.invalid",
            ["http_proxy"] = hub.Endpoint, ["no_proxy"] = "", ["NO_PROXY"] = "",
        };

        var list = CliProcess.Run(env, "models");
        Assert.Equal(0, list.ExitCode);
        var general = list.Stdout.Split('\n').Single(l => l.StartsWith("wanwu-general", StringComparison.Ordinal));
        Assert.DoesNotContain("[cached]", general);
        Assert.Contains("54,092 Chinese labels", list.Stdout);

        var inspect = CliProcess.Run(env, "models", "inspect", "wanwu-general");
        TestContext.Current.TestOutputHelper?.WriteLine(inspect.Stderr);
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);
        Assert.Contains("covers all 10 outputs", inspect.Stdout);
        Assert.Contains("类别3", inspect.Stdout);
        Assert.Contains("modelscope: listing damo/cv_resnest101_general_recognition@master at http://hub.invalid", inspect.Stderr);
        Assert.Contains(hub.Requests, r => r.Target == "http://hub.invalid/api/v1/models/damo/cv_resnest101_general_recognition/repo/files?Revision=master&Recursive=True");

        var again = CliProcess.Run(env, "models");
        Assert.Contains("[cached]", again.Stdout.Split('\n').Single(l => l.StartsWith("wanwu-general", StringComparison.Ordinal)));

        var missing = CliProcess.Run(env, "models", "inspect", "modelscope:nobody/missing");
        Assert.Equal(4, missing.ExitCode);
        Assert.Contains("ModelScope has no model nobody/missing", missing.Stderr);
    }

    private static ModelScopeHubSettings Settings(FakeHub hub) =>
        new() { Endpoint = hub.Endpoint, RetryDelay = TimeSpan.FromMilliseconds(10), ReadTimeout = TimeSpan.FromSeconds(30) };

    private static string FileKey(string id, string revision, string file) => $"{id}@{revision}/{file}";

    private static string?[] RangesOf(FakeHub hub, string file) =>
        hub.Requests.Where(r => r.Query.GetValueOrDefault("FilePath") == file).Select(r => r.Header("Range")).ToArray();

    private static string Sha(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>One request as the hub saw it.</summary>
    private sealed record HubRequest(string Method, string Target, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name);
    }

    /// <summary>
    /// A ModelScope hub on 127.0.0.1, HTTP/1.1 on a raw socket so that it can also serve as the HTTP proxy (absolute-form
    /// request targets) and cut a body in the middle. It answers like the real hub: the file listing in the
    /// <c>{Code, Data, Message, RequestId, Success}</c> envelope, 404 with an error envelope for an unknown model, 200 with
    /// <c>"Files": null</c> for an unknown revision, 401 with the library's documented envelope without a valid
    /// <c>m_session_id</c> cookie, files with Range (206 + Content-Range), optionally behind a 302 to a CDN host.
    /// </summary>
    private sealed class FakeHub : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public FakeHub()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(AcceptAsync);
        }

        public int Port { get; }
        public string Endpoint => $"http://127.0.0.1:{Port}";
        /// <summary>"owner/name@revision" → file path → bytes.</summary>
        public Dictionary<string, Dictionary<string, byte[]>> Repos { get; } = new();
        /// <summary>"owner/name@revision/path" → the SHA-256 the listing declares instead of the real one.</summary>
        public Dictionary<string, string> WrongSha { get; } = new();
        /// <summary>"owner/name@revision/path" → the byte at which the next response for that file is cut (once).</summary>
        public ConcurrentDictionary<string, long> Cuts { get; } = new();
        public ConcurrentQueue<HubRequest> Requests { get; } = new();
        public string? RequiredToken { get; init; }
        public bool RedirectToCdn { get; init; }

        public byte[] File(string id, string revision, string path) => Repos[$"{id}@{revision}"][path];

        /// <summary>A ModelScope recognition model as the hub holds it, made by <see cref="ModelScopeTests"/>' checkpoint maker.</summary>
        public string AddRecognitionModel(string id, string revision, string localRoot, int classes, string labelPrefix = "类别")
        {
            var folder = System.IO.Path.Combine(localRoot, id.Split('/')[1]);
            ModelScopeTests.WriteModelScopeFolder(folder, [1, 1, 1, 1], classes, seed: 5);
            System.IO.File.WriteAllLines(System.IO.Path.Combine(folder, "meta_info.txt"), Enumerable.Range(0, classes).Select(i => $"{i}\t{labelPrefix}{i}"));
            var files = Directory.GetFiles(folder).ToDictionary(f => System.IO.Path.GetFileName(f), f => System.IO.File.ReadAllBytes(f));
            files["README.md"] = "# 通用识别\n"u8.ToArray();
            files[".gitattributes"] = "*.pt filter=lfs diff=lfs merge=lfs -text\n"u8.ToArray();
            files["resources/demo.jpg"] = [0xFF, 0xD8, 0xFF, 0xD9];
            Repos[$"{id}@{revision}"] = files;
            return folder;
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                _ = Task.Run(() => HandleAsync(client));
            }
        }

        private async Task HandleAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var request = await ReadRequestAsync(stream);
                    if (request is null) return;
                    Requests.Enqueue(request);
                    await AnswerAsync(client, stream, request);
                }
                catch (IOException) { }
                catch (SocketException) { }
            }
        }

        private static async Task<HubRequest?> ReadRequestAsync(NetworkStream stream)
        {
            var head = new List<byte>();
            var one = new byte[1];
            while (head.Count < 65536 && !(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                if (await stream.ReadAsync(one) == 0) return null;
                head.Add(one[0]);
            }
            var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            var start = lines[0].Split(' ');
            var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
            // A request through a proxy names the whole URL; a direct one only the path.
            var uri = start[1].StartsWith("http://", StringComparison.Ordinal) ? new Uri(start[1]) : new Uri($"http://{headers["Host"]}{start[1]}");
            var query = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
                .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""));
            return new HubRequest(start[0], start[1], uri.AbsolutePath, query, headers);
        }

        private async Task AnswerAsync(TcpClient client, NetworkStream stream, HubRequest request)
        {
            var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
            if (segments is ["cdn", var o, var n, var rev, .. var rest])
            {
                await ServeFileAsync(client, stream, request, $"{o}/{n}", rev, string.Join('/', rest));
                return;
            }
            if (segments is not ["api", "v1", "models", var owner, var name, "repo", ..]) { await JsonAsync(stream, 404, new { Code = 404, Message = "no route" }); return; }
            var id = $"{owner}/{name}";
            if (RequiredToken is not null && request.Header("Cookie") != $"m_session_id={RequiredToken}")
            {
                // The failure body the library documents in modelscope/hub/errors.py is_ok().
                await JsonAsync(stream, 401, new { Code = 10010101004, Message = "get model info failed, err: unauthorized permission", RequestId = "", Success = false });
                return;
            }
            if (!Repos.Keys.Any(k => k.StartsWith(id + "@", StringComparison.Ordinal)))
            {
                await JsonAsync(stream, 404, new { Code = 10010205001, Message = "record not found", RequestId = Guid.NewGuid().ToString(), Success = false });
                return;
            }
            var revision = request.Query.GetValueOrDefault("Revision") ?? "master";
            Repos.TryGetValue($"{id}@{revision}", out var files);
            if (segments is [.., "repo", "files"])
            {
                await JsonAsync(stream, 200, new { Code = 200, Data = new { Files = files is null ? null : Listing(id, revision, files) }, Message = "success", RequestId = Guid.NewGuid().ToString(), Success = true });
                return;
            }
            var path = request.Query.GetValueOrDefault("FilePath") ?? "";
            if (files is null || !files.ContainsKey(path)) { await JsonAsync(stream, 404, new { Code = 10010205001, Message = "file not found", Success = false }); return; }
            if (RedirectToCdn)
            {
                var location = $"http://localhost:{Port}/cdn/{id}/{Uri.EscapeDataString(revision)}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}";
                await WriteHeadAsync(stream, 302, [("Location", location), ("Content-Length", "0")]);
                return;
            }
            await ServeFileAsync(client, stream, request, id, revision, path);
        }

        private List<object> Listing(string id, string revision, Dictionary<string, byte[]> files)
        {
            var commit = Sha(Encoding.UTF8.GetBytes(id + revision))[..40];
            var entries = new List<object>();
            foreach (var folder in files.Keys.Where(p => p.Contains('/')).Select(p => p[..p.LastIndexOf('/')]).Distinct())
                entries.Add(new { CommitId = commit, CommitMessage = "upload", CommittedDate = 1700000000, CommitterName = "test", Id = commit, IsLFS = false, Mode = "040000", Name = folder, Path = folder, Revision = commit, Sha256 = "", Size = 0, Type = "tree" });
            foreach (var (path, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
                entries.Add(new
                {
                    CommitId = commit, CommitMessage = "upload", CommittedDate = 1700000000, CommitterName = "test", Id = Sha(bytes)[..40],
                    IsLFS = bytes.Length > 1000, Mode = "100644", Name = path[(path.LastIndexOf('/') + 1)..], Path = path, Revision = commit,
                    Sha256 = WrongSha.GetValueOrDefault($"{id}@{revision}/{path}") ?? Sha(bytes), Size = bytes.Length, Type = "blob",
                });
            return entries;
        }

        private async Task ServeFileAsync(TcpClient client, NetworkStream stream, HubRequest request, string id, string revision, string path)
        {
            var data = File(id, revision, path);
            long from = 0, to = data.Length - 1;
            var ranged = request.Header("Range") is { } range && range.StartsWith("bytes=", StringComparison.Ordinal);
            if (ranged)
            {
                var bounds = request.Header("Range")!["bytes=".Length..].Split('-');
                from = long.Parse(bounds[0]);
                if (bounds[1].Length > 0) to = Math.Min(to, long.Parse(bounds[1]));
                if (from > to) { await WriteHeadAsync(stream, 416, [("Content-Range", $"bytes */{data.Length}"), ("Content-Length", "0")]); return; }
            }
            var length = to - from + 1;
            await WriteHeadAsync(stream, ranged ? 206 : 200,
            [
                ("Content-Type", "application/octet-stream"), ("Content-Length", length.ToString()),
                .. ranged ? [("Content-Range", $"bytes {from}-{to}/{data.Length}")] : Array.Empty<(string, string)>(),
            ]);
            if (Cuts.TryRemove($"{id}@{revision}/{path}", out var cut) && cut > from && cut < to)
            {
                await stream.WriteAsync(data.AsMemory((int)from, (int)(cut - from)));
                await stream.FlushAsync();
                client.Client.Shutdown(SocketShutdown.Send);   // the connection closes in the middle of the body
                return;
            }
            await stream.WriteAsync(data.AsMemory((int)from, (int)length));
        }

        private static async Task JsonAsync(NetworkStream stream, int status, object body)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(body, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            await WriteHeadAsync(stream, status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", bytes.Length.ToString())]);
            await stream.WriteAsync(bytes);
        }

        private static async Task WriteHeadAsync(NetworkStream stream, int status, (string Name, string Value)[] headers)
        {
            var reason = status switch { 200 => "OK", 206 => "Partial Content", 302 => "Found", 401 => "Unauthorized", 404 => "Not Found", 416 => "Range Not Satisfiable", _ => "Status" };
            var head = new StringBuilder($"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n");
            foreach (var (name, value) in headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()));
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
