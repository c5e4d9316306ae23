using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Wanwu.Models;

namespace Wanwu.Tests;

/// <summary>Models by URL, pinned by SHA-256 and cached, against a real HTTP server on the loopback interface.</summary>
public class UrlModelTests
{
    /// <summary>Serves files from memory on 127.0.0.1 and counts requests.</summary>
    private sealed class LocalServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Dictionary<string, byte[]> _files;
        public int Requests;

        public LocalServer(Dictionary<string, byte[]> files)
        {
            _files = files;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Prefix = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Prefix);
            _listener.Start();
            _ = Task.Run(Serve);
        }

        public string Prefix { get; }

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); } catch (Exception) { return; }
                Interlocked.Increment(ref Requests);
                var name = ctx.Request.Url!.AbsolutePath.TrimStart('/');
                if (_files.TryGetValue(name, out var body)) { ctx.Response.ContentLength64 = body.Length; await ctx.Response.OutputStream.WriteAsync(body); }
                else ctx.Response.StatusCode = 404;
                ctx.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }

    private static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    [Fact]
    public async Task A_pinned_onnx_url_is_downloaded_once_verified_and_runs()
    {
        using var dir = new TempDir();
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var f in Directory.GetFiles(TestPaths.MobileNet))
                archive.CreateEntryFromFile(f, "st-mobilenet/" + Path.GetFileName(f));
        var bytes = zip.ToArray();
        using var server = new LocalServer(new() { ["models/mobilenet.zip"] = bytes });
        var url = $"{server.Prefix}models/mobilenet.zip#sha256={Sha(bytes)}";

        var photo = TestPaths.SomePhotos(1)[0];
        var results = await ModelTestKit.TagAsync(url, [photo], o => o with { Model = o.Model with { CacheDir = dir["cache"] } });
        Assert.Equal(0, results[photo].Labels[0].Id);   // the tench photo, labelled from the zipped label file
        Assert.Equal("tench", results[photo].Labels[0].LabelEn);
        await ModelTestKit.TagAsync(url, [photo], o => o with { Model = o.Model with { CacheDir = dir["cache"] } });
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void A_wrong_or_missing_checksum_is_refused_and_nothing_is_cached()
    {
        using var dir = new TempDir();
        var onnx = File.ReadAllBytes(Directory.GetFiles(TestPaths.MobileNet, "*.onnx")[0]);
        using var server = new LocalServer(new() { ["m.onnx"] = onnx });
        var wrong = new string('0', 64);
        var e = Assert.Throws<ModelLoadException>(() => ModelLocator.Locate($"{server.Prefix}m.onnx#sha256={wrong}", dir["cache"]));
        Assert.Contains("refusing", e.Message);
        Assert.False(Directory.Exists(dir["cache/models"]) && Directory.EnumerateFileSystemEntries(dir["cache/models"]).Any());
        Assert.Contains("#sha256=", Assert.Throws<ModelLoadException>(() => ModelLocator.Locate($"{server.Prefix}m.onnx", dir["cache"])).Message);
        Assert.Contains("HTTP 404", Assert.Throws<ModelLoadException>(() => ModelLocator.Locate($"{server.Prefix}missing.onnx#sha256={Sha(onnx)}", dir["cache"])).Message);
        var (path, _) = ModelLocator.Locate($"{server.Prefix}m.onnx#sha256={Sha(onnx)}", dir["cache"]);
        Assert.Equal(onnx, File.ReadAllBytes(path));
    }
}
