using Wanwu.Sources;

namespace Wanwu.Tests;

public class SourcesTests
{
    [Fact]
    public void Folders_are_walked_recursively_in_a_stable_order_and_only_images_are_kept()
    {
        using var dir = new TempDir();
        foreach (var f in new[] { "b.jpg", "a.PNG", "notes.txt", "sub/c.JpEg", "sub/deeper/d.webp", "sub/readme.md", "A.tiff", "猫 照片.jpg" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(dir[f])!);
            File.WriteAllText(dir[f], "x");
        }
        var paths = ImageSources.Enumerate([dir.Path]).Select(i => i.Path).ToList();
        Assert.Equal(["A.tiff", "a.PNG", "b.jpg", "猫 照片.jpg", "sub/c.JpEg", "sub/deeper/d.webp"], paths);
        Assert.Equal(paths, ImageSources.Enumerate([dir.Path]).Select(i => i.Path).ToList());
        Assert.All(ImageSources.Enumerate([dir.Path]), i => Assert.True(File.Exists(i.FullPath)));
    }

    [Fact]
    public void List_files_name_images_relative_to_the_list()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["imgs"]);
        File.WriteAllText(dir["imgs/x.jpg"], "x");
        File.WriteAllText(dir["list.txt"], "# comment\nimgs/x.jpg\n\n" + dir["imgs/x.jpg"] + "\n");
        var items = ImageSources.Enumerate([dir["list.txt"]]).ToList();
        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal(dir["imgs/x.jpg"], i.FullPath));
        Assert.Equal("imgs/x.jpg", items[0].Path);
    }

    [Fact]
    public void A_file_named_explicitly_is_kept_whatever_its_extension()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["photo.data"], "x");
        Assert.Equal(dir["photo.data"], Assert.Single(ImageSources.Enumerate([dir["photo.data"]])).Path);
    }

    [Fact]
    public void A_missing_input_fails_before_the_run()
    {
        var e = Assert.Throws<InputNotFoundException>(() => ImageSources.Validate(["/no/such/folder"]));
        Assert.Contains("/no/such/folder", e.Message);
    }
}
