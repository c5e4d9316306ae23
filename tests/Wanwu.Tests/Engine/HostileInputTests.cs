using System.Text.Json;
using NetVips;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>Dirty inputs never stop a run: each file gets labels or one clear error record.</summary>
public class HostileInputTests
{
    [Fact]
    public async Task Animated_images_are_tagged_from_their_first_frame()
    {
        using var dir = new TempDir();
        var photo = TestPaths.SomePhotos(1)[0];
        using (var thumb = Image.Thumbnail(photo, 120, height: 90, size: Enums.Size.Force))
        using (var frame = thumb.CopyMemory())
        using (var black = Image.Black(120, 90, bands: 3))
        using (var strip = frame.Join(black, Enums.Direction.Vertical))
        using (var anim = strip.Mutate(m => { m.Set(GValue.GIntType, "page-height", 90); m.Set(GValue.ArrayIntType, "delay", new[] { 100, 100 }); }))
        {
            anim.Gifsave(dir["anim.gif"]);
            anim.Webpsave(dir["anim.webp"]);
            frame.Pngsave(dir["still.png"]);
        }
        using (var probe = Image.NewFromFile(dir["anim.webp"], kwargs: new VOption { { "n", -1 } })) Assert.Equal(2, probe.GetTypeOf("n-pages") != 0 ? (int)probe.Get("n-pages") : 0);
        var results = await ModelTestKit.TagAsync(TestPaths.MobileNet, [dir.Path]);
        var still = results["still.png"].Labels[0];
        Assert.Equal(90, results["anim.webp"].Height);
        // First frame is the photo, not the black second frame: the same top class as the still image.
        Assert.Equal(still.Id, results["anim.webp"].Labels[0].Id);
        Assert.Equal(still.Id, results["anim.gif"].Labels[0].Id);
    }

    [Fact]
    public async Task A_few_hundred_mutated_real_files_give_one_record_each_and_no_crash()
    {
        using var dir = new TempDir();
        var random = new Random(7);
        var seeds = new List<(string Ext, byte[] Bytes)>();
        foreach (var photo in TestPaths.SomePhotos(3))
        {
            using var thumb = Image.Thumbnail(photo, 160);
            using var img = thumb.CopyMemory();
            seeds.Add(("jpg", img.JpegsaveBuffer(q: 85)));
            seeds.Add(("png", img.PngsaveBuffer()));
            seeds.Add(("webp", img.WebpsaveBuffer(q: 80)));
        }
        var count = 0;
        foreach (var (ext, bytes) in seeds)
        {
            for (var i = 0; i < 30; i++)
            {
                var mutated = (byte[])bytes.Clone();
                switch (i % 3)
                {
                    case 0: // bit flips
                        for (var f = 0; f < 1 + random.Next(20); f++) mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1: // truncation
                        mutated = mutated[..random.Next(1, mutated.Length)];
                        break;
                    default: // inserted bytes
                        var at = random.Next(mutated.Length);
                        var junk = new byte[1 + random.Next(64)];
                        random.NextBytes(junk);
                        mutated = [.. mutated[..at], .. junk, .. mutated[at..]];
                        break;
                }
                File.WriteAllBytes(dir[$"fuzz_{count++:D3}.{ext}"], mutated);
            }
        }
        var summary = await TaggingEngine.RunAsync(ModelTestKit.Run([dir.Path], dir["out"], new ModelOptions { Model = TestPaths.MobileNet }),
            ct: TestContext.Current.CancellationToken);
        Assert.Equal(count, summary.Total);
        var records = File.ReadAllLines(dir["out/" + OutputFolder.ResultsFile]).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(count, records.Select(r => r.GetProperty("path").GetString()).Distinct().Count());
        foreach (var r in records)
        {
            var error = r.GetProperty("error");
            if (error.ValueKind == JsonValueKind.Null) Assert.Equal(5, r.GetProperty("labels").GetArrayLength());
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
                Assert.DoesNotContain("\n", error.GetProperty("message").GetString());
                Assert.Equal(0, r.GetProperty("labels").GetArrayLength());
            }
        }
        Assert.True(summary.Failed > 0 && summary.Ok > 0, $"{summary.Ok} ok, {summary.Failed} failed");
    }

    [Fact]
    public async Task Unreadable_and_vanished_files_get_an_error_record()
    {
        using var dir = new TempDir();
        File.CreateSymbolicLink(dir["dangling.jpg"], dir["gone.jpg"]);
        Directory.CreateDirectory(dir["folder.jpg"]);
        File.Copy(TestPaths.SomePhotos(1)[0], dir["ok.jpg"]);
        var results = await ModelTestKit.TagAsync(TestPaths.MobileNet, [dir.Path]);
        Assert.Equal(["dangling.jpg", "ok.jpg"], results.Keys.Order());
        Assert.Equal("not_found", results["dangling.jpg"].Error?.Type);
        Assert.Null(results["ok.jpg"].Error);
    }

    [Fact]
    public void A_full_disk_stops_the_run_with_a_clear_error_and_leaves_a_resumable_journal()
    {
        Assert.SkipUnless(File.Exists("/dev/full"), "no /dev/full on this system");
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        foreach (var p in TestPaths.SomePhotos(10)) File.Copy(p, dir["in/" + Path.GetFileName(p)]);
        Directory.CreateDirectory(dir["out"]);
        // Every write to results.csv fails with "No space left on device", as on a full disk.
        File.CreateSymbolicLink(dir["out/results.csv"], "/dev/full");
        var r = CliProcess.Run("tag", dir["in"], "-o", dir["out"], "--model", TestPaths.MobileNet, "--format", "csv", "-b", "2");
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("results.csv", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        foreach (var line in File.ReadAllLines(dir["out/results.jsonl"])) JsonDocument.Parse(line);

        File.Delete(dir["out/results.csv"]);
        var again = CliProcess.Run("tag", dir["in"], "-o", dir["out"], "--model", TestPaths.MobileNet, "--format", "csv");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(10, File.ReadAllLines(dir["out/results.jsonl"]).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("path").GetString()).Distinct().Count());
        Assert.Equal(10, File.ReadAllLines(dir["out/results.jsonl"]).Length);
    }
}
