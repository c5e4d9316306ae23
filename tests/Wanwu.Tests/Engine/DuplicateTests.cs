using System.IO.Hashing;
using System.Text.Json;
using NetVips;
using Wanwu.Engine;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>The same photo twice: records carry the content hash and summary.json counts exact duplicates.</summary>
public class DuplicateTests
{
    [Fact]
    public async Task Copies_under_other_names_share_a_hash_and_are_counted_a_re_encoded_copy_is_not()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in/sub"]);
        var photos = TestPaths.SomePhotos(6);
        foreach (var p in photos) File.Copy(p, dir["in/" + Path.GetFileName(p)]);
        var (a, b, c) = (photos[0], photos[1], photos[2]);
        // a three times (two copies, one in a subfolder), b twice: 2 groups of 5 images.
        File.Copy(a, dir["in/copy-of-a.jpg"]);
        File.Copy(a, dir["in/sub/another-a.jpg"]);
        File.Copy(b, dir["in/sub/b-again.JPEG"]);
        // c decoded and saved again: the same picture, other bytes, so not an exact duplicate.
        using (var image = Image.NewFromFile(c)) image.Jpegsave(dir["in/c-re-encoded.jpg"], q: 90);
        File.WriteAllText(dir["in/broken.jpg"], "<html>not a photo</html>");

        var run = ModelTestKit.Run([dir["in"]], dir["out"], new ModelOptions { Model = TestPaths.MobileNet }, OutputFormat.Csv);
        var summary = await TaggingEngine.RunAsync(run, ct: TestContext.Current.CancellationToken);

        Assert.Equal(11, summary.Total);
        Assert.Equal(2, summary.Duplicates!.Groups);
        Assert.Equal(5, summary.Duplicates.Images);
        var saved = JsonDocument.Parse(File.ReadAllText(dir["out/" + OutputFolder.SummaryFile])).RootElement.GetProperty("duplicates");
        Assert.Equal((2, 5), (saved.GetProperty("groups").GetInt32(), saved.GetProperty("images").GetInt32()));

        var records = ResultJournal.ReadAll(new OutputFolder(dir["out"])).ToDictionary(r => r.Path);
        string Hash(string path) => "xxh128:" + Convert.ToHexStringLower(XxHash128.Hash(File.ReadAllBytes(path)));
        var hashA = records[Path.GetFileName(a)].Hash;
        Assert.Equal(Hash(a), hashA);
        Assert.Equal(hashA, records["copy-of-a.jpg"].Hash);
        Assert.Equal(hashA, records["sub/another-a.jpg"].Hash);
        Assert.Equal(records[Path.GetFileName(b)].Hash, records["sub/b-again.JPEG"].Hash);
        Assert.NotEqual(records[Path.GetFileName(c)].Hash, records["c-re-encoded.jpg"].Hash);
        Assert.Equal(Hash(dir["in/c-re-encoded.jpg"]), records["c-re-encoded.jpg"].Hash);
        Assert.Null(records["broken.jpg"].Hash);
        Assert.Equal(10, records.Values.Select(r => r.Hash).OfType<string>().Count());

        // The CSV's hash column, before the texts (empty here), carries the same hashes (Parquet: ParquetTests).
        var csv = File.ReadAllLines(dir["out/" + OutputFolder.CsvFile]).Skip(1).ToDictionary(l => l.Split(',')[0], l => l.Split(',')[^2]);
        Assert.Equal(hashA, csv["copy-of-a.jpg"]);
        Assert.Equal("", csv["broken.jpg"]);

        // A later run into the same folder counts over every record: one more copy of c joins a third group.
        File.Copy(c, dir["in/c-later.jpg"]);
        var again = await TaggingEngine.RunAsync(run with { Output = run.Output with { Overwrite = false } }, ct: TestContext.Current.CancellationToken);
        Assert.Equal(1, again.ThisRun);
        Assert.Equal((3, 7), (again.Duplicates!.Groups, again.Duplicates.Images));
    }
}
