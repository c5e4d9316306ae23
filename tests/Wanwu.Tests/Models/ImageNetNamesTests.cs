using System.Globalization;
using Wanwu.Engine;
using Wanwu.Models;

namespace Wanwu.Tests;

/// <summary>ImageNet-1k label files get wanwu's Chinese names by index; every other label file keeps its behaviour.</summary>
public class ImageNetNamesTests
{
    private static IReadOnlyList<string> English => ImageNetNames.Table.Select(c => c.En!).ToList();

    [Fact]
    public void The_table_has_1000_distinct_Chinese_names_with_ids_in_order()
    {
        var file = Path.Combine(TestPaths.RepoRoot, "src", "Wanwu.Core", "Models", "Names", "imagenet.tsv");
        var rows = File.ReadAllLines(file).Where(l => !l.StartsWith('#')).Select(l => l.Split('\t')).ToList();
        Assert.Equal(["id", "en", "zh"], rows[0]);
        rows.RemoveAt(0);
        Assert.Equal(1000, rows.Count);
        Assert.All(rows, r => Assert.Equal(3, r.Length));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i.ToString(CultureInfo.InvariantCulture)), rows.Select(r => r[0]));
        Assert.Equal(rows.Select(r => (r[1], r[2])), ImageNetNames.Table.Select(c => (c.En!, c.Zh)));

        var zh = ImageNetNames.Table.Select(c => c.Zh).ToList();
        Assert.Equal(1000, zh.Distinct().Count());
        Assert.All(zh, z => Assert.True(z.All(IsHan), $"'{z}' is not written in Chinese characters only"));
        // The English names repeat, which is why the table is applied by index.
        Assert.Equal(("鹤", "起重机"), (zh[134], zh[517]));
        Assert.Equal(("紧身连衣裤", "女式连体泳衣"), (zh[638], zh[639]));
        Assert.Equal(["丁鲷", "金鱼", "大白鲨"], zh.Take(3));
        Assert.Equal("卫生纸", zh[999]);
    }

    [Fact]
    public void The_table_follows_the_shared_ImageNet_label_file_line_for_line()
    {
        var labels = File.ReadAllLines(Path.Combine(TestPaths.MobileNet, "labels_imagenet_2012.txt"));
        Assert.Equal(labels, English);
    }

    [Fact]
    public void The_word_tables_are_not_polluted_by_the_index_table()
    {
        Assert.Equal("人", ChineseNames.Lookup("person"));
        Assert.Equal("风筝", ChineseNames.Lookup("kite"));   // COCO's kite is a toy; ImageNet's is a bird (鸢), by index only
        Assert.Null(ChineseNames.Lookup("tench"));
        Assert.Null(ChineseNames.Lookup("0"));
        Assert.Null(ChineseNames.Lookup("id"));
    }

    [Theory]
    [InlineData("background")]
    [InlineData("Unknown")]
    [InlineData("dummy")]
    [InlineData("???")]
    public void A_1001_class_file_with_a_background_class_first_is_named_by_index(string background)
    {
        using var dir = new TempDir();
        var file = dir["labels.txt"];
        File.WriteAllLines(file, [background, .. English]);
        var set = LabelSet.Load(file, new LabelsCard());
        Assert.Equal(1001, set.Count);
        Assert.Equal(new ClassName("背景", background), set[0]);
        Assert.Equal(new ClassName("丁鲷", "tench"), set[1]);
        Assert.Equal(new ClassName("鹤", "crane"), set[135]);
        Assert.Equal(new ClassName("起重机", "crane"), set[518]);
        Assert.Equal(new ClassName("卫生纸", "toilet tissue"), set[1000]);
    }

    [Fact]
    public void Spelling_variants_of_the_1000_are_recognised_and_keep_their_own_English()
    {
        using var dir = new TempDir();
        // Keras style (underscores, capitals), a few names spelled otherwise, and the synonym lists of the full synset names.
        var names = English.Select((en, i) => i % 3 == 0 ? en.Replace(' ', '_').ToUpperInvariant() : i % 3 == 1 ? $"{en}, synonym" : en).ToArray();
        names[1] = "gold fish";
        names[2] = "great-white-shark";
        for (var i = 10; i < 50; i++) names[i] = $"renamed {i}";   // 4 % differ: still ImageNet
        var file = dir["imagenet.txt"];
        File.WriteAllLines(file, names);
        var set = LabelSet.Load(file, new LabelsCard());
        Assert.Equal(1000, set.Count);
        Assert.Equal(new ClassName("丁鲷", "TENCH"), set[0]);
        Assert.Equal(new ClassName("金鱼", "gold fish"), set[1]);
        Assert.Equal(new ClassName("大白鲨", "great-white-shark"), set[2]);
        Assert.Equal(new ClassName("燕雀", "renamed 10"), set[10]);
        Assert.Equal(new ClassName("跑鞋", names[770]), set[770]);
    }

    [Fact]
    public void An_English_only_table_with_an_id_column_is_recognised()
    {
        using var dir = new TempDir();
        var file = dir["labels.tsv"];
        File.WriteAllLines(file, ["index\tlabel", .. English.Select((en, i) => $"{i}\t{en}")]);
        var set = LabelSet.Load(file, new LabelsCard());
        Assert.Equal(1000, set.Count);
        Assert.Equal(new ClassName("意式浓缩咖啡", "espresso"), set[967]);
        Assert.Equal(new ClassName("彭布罗克柯基犬", "Pembroke"), set[263]);
        Assert.Equal(new ClassName("开衫", "cardigan"), set[474]);
    }

    [Fact]
    public void A_table_with_its_own_Chinese_keeps_it()
    {
        using var dir = new TempDir();
        var file = dir["labels.tsv"];
        File.WriteAllLines(file, ["en\tzh", .. English.Select((en, i) => $"{en}\t自家{i}")]);
        var set = LabelSet.Load(file, new LabelsCard());
        Assert.Equal(new ClassName("自家0", "tench"), set[0]);
        Assert.Equal(new ClassName("自家999", "toilet tissue"), set[999]);
    }

    public static TheoryData<string> NotImageNet => ["shuffled", "truncated", "one more", "6 % renamed", "not background first"];

    [Theory]
    [MemberData(nameof(NotImageNet))]
    public void Other_lists_are_not_renamed_by_index(string kind)
    {
        var names = English.ToList();
        switch (kind)
        {
            case "shuffled": new Random(13).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(names)); break;
            case "truncated": names.RemoveAt(999); break;
            case "one more": names.Add("extra class"); break;
            case "6 % renamed": for (var i = 100; i < 160; i++) names[i] = $"renamed {i}"; break;
            case "not background first": names.Insert(0, "cat"); break;
        }
        using var dir = new TempDir();
        var file = dir["labels.txt"];
        File.WriteAllLines(file, names);
        var set = LabelSet.Load(file, new LabelsCard());
        Assert.Equal(names.Count, set.Count);
        // Exactly what a lone English name got before: a COCO word where one is known (orange, zebra), else the English itself.
        Assert.Equal(names.Select(LabelSet.FromSingle), Enumerable.Range(0, set.Count).Select(i => set[i]));
        Assert.True(Enumerable.Range(0, set.Count).Count(i => LabelSet.ContainsCjk(set[i].Zh)) < 50);
    }

    [Fact]
    public async Task The_shared_MobileNet_tags_photos_with_Chinese_labels_and_English_beside_them()
    {
        var model = TestPaths.MobileNet;
        var english = File.ReadAllLines(Path.Combine(model, "labels_imagenet_2012.txt"));
        using (var loaded = ModelLoader.Load(new ModelOptions { Model = model }))
        {
            var labels = loaded.Spec.Labels;
            Assert.Equal(1000, labels.Count);
            Assert.All(Enumerable.Range(0, 1000), i =>
            {
                Assert.True(labels[i].Zh.All(IsHan), $"class {i}: '{labels[i].Zh}'");
                Assert.Equal(english[i], labels[i].En);
            });
        }

        var photos = TestPaths.SomePhotos(6).Append(ModelTestKit.PhotoPath("n01530575_brambling.JPEG")).Distinct().ToList();
        var results = await ModelTestKit.TagAsync(model, photos);
        Assert.Equal(photos.Count, results.Count);
        foreach (var r in results.Values)
        {
            Assert.Null(r.Error);
            Assert.Equal(5, r.Labels.Count);
            Assert.All(r.Labels, l =>
            {
                Assert.True(l.Label.All(IsHan), $"{r.Path}: label '{l.Label}'");
                Assert.Equal(english[l.Id], l.LabelEn);
                Assert.Equal(ImageNetNames.Table[l.Id].Zh, l.Label);
            });
        }
        var brambling = results[ModelTestKit.PhotoPath("n01530575_brambling.JPEG")].Labels[0];
        Assert.Equal(("燕雀", "brambling"), (brambling.Label, brambling.LabelEn));
    }

    private static bool IsHan(char c) => c is >= '\u4e00' and <= '\u9fff' or >= '\u3400' and <= '\u4dbf';
}
