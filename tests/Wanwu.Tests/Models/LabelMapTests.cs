namespace Wanwu.Tests;

/// <summary>A user's taxonomy file renames classes and merges several into one.</summary>
public class LabelMapTests
{
    private const string Hound = "n02088094_Afghan_hound.JPEG";

    [Fact]
    public async Task Merged_classifier_classes_report_the_sum_of_their_probabilities()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["map.tsv"], "from\tto\tto_en\nAfghan hound\t猎犬\thound\nborzoi\t猎犬\thound\nSaluki\t猎犬\thound\n# comments and blank lines are fine\n\ntabby\t猫\n");
        var photo = ModelTestKit.PhotoPath(Hound);
        var all = (await ModelTestKit.TagAsync(TestPaths.MobileNet, [photo], o => o with { Postprocess = new() { TopK = 1000 } }))[photo].Labels.GroupBy(l => l.LabelEn!).ToDictionary(g => g.Key, g => g.Sum(l => l.Score));
        var mapped = (await ModelTestKit.TagAsync(TestPaths.MobileNet, [photo], o => o with { Model = o.Model with { LabelMapFile = dir["map.tsv"] } }))[photo];
        var hound = Assert.Single(mapped.Labels, l => l.Label == "猎犬");
        Assert.Equal("hound", hound.LabelEn);
        Assert.Equal(all["Afghan hound"] + all["borzoi"] + all["Saluki"], hound.Score, 3);
        Assert.Equal(5, mapped.Labels.Count);
        Assert.Equal(5, mapped.Labels.Select(l => l.Label).Distinct().Count());
    }

    [Fact]
    public async Task Detector_classes_are_renamed_and_merged()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["map.tsv"], "dog\t宠物\tpet\ncat\t宠物\tpet\nperson\t顾客\n");
        var photo = ModelTestKit.PhotoPath(Hound);
        var r = (await ModelTestKit.TagAsync(TestPaths.SsdCoco, [photo], o => o with { Model = o.Model with { LabelMapFile = dir["map.tsv"] } }))[photo];
        Assert.Equal("宠物", r.Labels[0].Label);
        Assert.Equal("pet", r.Labels[0].LabelEn);
        Assert.DoesNotContain(r.Objects!, o => o.Label is "狗" or "猫");
        Assert.Equal(r.Labels.Count, r.Labels.Select(l => l.Label).Distinct().Count());
    }

    [Fact]
    public void A_malformed_map_is_a_clear_error()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["bad.tsv"], "just-one-column\n");
        var r = CliProcess.Run("tag", ModelTestKit.PhotoPath(Hound), "-o", dir["out"], "--model", TestPaths.MobileNet, "--label-map", dir["bad.tsv"]);
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("line 1", r.Stderr);
    }
}
