using System.Diagnostics;
using NetVips;

namespace Wanwu.Tests;

/// <summary>Where the repository, the shared fixtures and the built CLI are.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared folder beside the checkout (real photos and models), or null where it is absent.</summary>
    public static string? Shared
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("WANWU_SHARED") ?? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(dir) ? dir : null;
        }
    }

    public static string Photos => RequireShared("testdata/photos");
    public static string MobileNet => RequireShared("models/st-mobilenet");
    public static string SsdCoco => RequireShared("models/st-ssd-coco");

    /// <summary>A path under ../shared, or skips the test with the reason.</summary>
    public static string RequireShared(string relative)
    {
        var shared = Shared;
        Assert.SkipWhen(shared is null, "../shared is absent: real photos and models are not available here");
        var path = Path.Combine(shared!, relative);
        Assert.SkipUnless(Directory.Exists(path) || File.Exists(path), $"../shared/{relative} is absent");
        return path;
    }

    public static string Data(string relative) => Path.Combine(AppContext.BaseDirectory, "data", relative);

    /// <summary>A few real photos, copied so tests may add their own files beside them.</summary>
    public static IReadOnlyList<string> SomePhotos(int count) =>
        Directory.GetFiles(Photos).OrderBy(p => p, StringComparer.Ordinal).Take(count).ToList();

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Wanwu.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Wanwu.slnx)");
    }
}

/// <summary>A temporary folder removed after the test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("wanwu-test-").FullName;

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Image files made by the tests themselves with libvips.</summary>
public static class TestImages
{
    /// <summary>A smooth colour gradient: a real image of the given size and bands.</summary>
    public static Image Gradient(int width, int height, int bands = 3)
    {
        using var x = Image.Xyz(width, height);
        using var xs = x[0] * (255.0 / Math.Max(1, width - 1));
        using var ys = x[1] * (255.0 / Math.Max(1, height - 1));
        using var mix = (xs + ys) / 2;
        var planes = new[] { xs, ys, mix, xs }.Take(bands).ToArray();
        using var joined = planes.Length == 1 ? planes[0].Copy() : planes[0].Bandjoin(planes.Skip(1).ToArray());
        return joined.Cast(Enums.BandFormat.Uchar);
    }

    public static string Save(Image image, string path)
    {
        image.WriteToFile(path);
        return path;
    }
}

/// <summary>Runs the published CLI as a real process.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string Dll => System.IO.Path.Combine(AppContext.BaseDirectory, "wanwu.dll");

    public static Result Run(params string[] args) => Run(null, args);

    /// <summary>Starts wanwu without waiting; stdout and stderr are redirected.</summary>
    public static Process Start(params string[] args) => Start(null, args);

    public static Process Start(IDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    public static Result Run(IDictionary<string, string>? env, params string[] args)
    {
        using var p = Start(env, args);
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException("wanwu did not finish in 5 minutes"); }
        return new Result(p.ExitCode, stdout, stderr.Result);
    }
}
