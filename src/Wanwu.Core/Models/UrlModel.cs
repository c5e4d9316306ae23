using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Wanwu.Models;

/// <summary>
/// A model given by URL: <c>https://host/path/model.onnx#sha256=HEX</c>, or a model folder packed as <c>.zip</c>,
/// <c>.tar.gz</c> or <c>.tgz</c>. The download must match the SHA-256 given in the URL; it is cached by that hash and
/// fetched only once.
/// </summary>
internal static class UrlModel
{
    public static bool IsUrl(string model) =>
        model.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || model.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The cached folder of the model at <paramref name="url"/>, downloading and verifying it first if needed.</summary>
    public static string Ensure(string url, string? cacheRoot, TextWriter? log, HttpClient? http = null)
    {
        var hashAt = url.IndexOf("#sha256=", StringComparison.OrdinalIgnoreCase);
        if (hashAt < 0)
            throw new ModelLoadException($"A model URL must pin its content: add #sha256=<hex of the file> to '{url}'.");
        var expected = url[(hashAt + "#sha256=".Length)..].Trim().ToLowerInvariant();
        if (expected.Length != 64 || !expected.All(Uri.IsHexDigit)) throw new ModelLoadException($"'{expected}' is not a SHA-256 (64 hex digits).");
        var address = new Uri(url[..hashAt]);
        var dir = ModelCache.ModelDir(cacheRoot, "url-" + expected[..16]);
        if (Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*.onnx", SearchOption.TopDirectoryOnly).Any()) return dir;

        try
        {
            return IO.StagedFolder.Create(dir, staging => Fetch(address, expected, staging, log, http));
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or TaskCanceledException)
        {
            throw new ModelLoadException($"Cannot fetch model {address}: {e.Message}", e);
        }
    }

    /// <summary>Downloads, verifies and unpacks the model into <paramref name="staging"/>.</summary>
    private static void Fetch(Uri address, string expected, string staging, TextWriter? log, HttpClient? http)
    {
        var name = Path.GetFileName(address.AbsolutePath);
        if (name.Length == 0) name = "model.onnx";
        var download = Path.Combine(staging, name);
        log?.WriteLine($"downloading {address} …");
        using (var client = http is null ? new HttpClient() : null)
        using (var response = (http ?? client!).GetAsync(address, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
        {
            if (!response.IsSuccessStatusCode) throw new ModelLoadException($"Downloading {address} failed: HTTP {(int)response.StatusCode}.");
            using var body = response.Content.ReadAsStream();
            using var file = File.Create(download);
            body.CopyTo(file);
        }
        string actual;
        using (var stream = File.OpenRead(download)) actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (actual != expected) throw new ModelLoadException($"{address} has SHA-256 {actual}, not the {expected} the URL pins; refusing it.");
        if (name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) { ExtractZip(download, staging); File.Delete(download); }
        else if (name.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase)) { ExtractTarGz(download, staging); File.Delete(download); }
        else if (!name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) throw new ModelLoadException($"{address}: expected an .onnx file or a .zip/.tar.gz model folder.");
    }

    /// <summary>Files only, flattened into the model folder: no entry may write outside it.</summary>
    private static void ExtractZip(string zip, string dir)
    {
        using var archive = ZipFile.OpenRead(zip);
        foreach (var entry in archive.Entries.Where(e => e.Name.Length > 0))
            entry.ExtractToFile(Path.Combine(dir, SafeName(entry.Name)), overwrite: true);
    }

    private static void ExtractTarGz(string tgz, string dir)
    {
        using var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } entry)
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is not null)
            {
                using var output = File.Create(Path.Combine(dir, SafeName(Path.GetFileName(entry.Name))));
                entry.DataStream.CopyTo(output);
            }
    }

    private static string SafeName(string name) =>
        name is "" or "." or ".." || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 ? throw new ModelLoadException($"archive entry '{name}' is not a plain file name") : name;
}
