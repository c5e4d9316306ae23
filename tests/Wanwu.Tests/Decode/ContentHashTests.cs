using System.Diagnostics;
using System.IO.Hashing;
using Wanwu.Decode;
using Wanwu.Sources;

namespace Wanwu.Tests;

/// <summary>The content hash taken while a file is read for decoding (<see cref="FileBytes"/>, <see cref="ContentHash"/>).</summary>
public class ContentHashTests
{
    private static string Expected(string path) => "xxh128:" + Convert.ToHexStringLower(XxHash128.Hash(File.ReadAllBytes(path)));

    private static DecodedImage Decode(string path) =>
        new ImageDecoder(new PreprocessSpec(64, 48), 100_000_000).Decode(new InputItem(Path.GetFileName(path), path));

    [Fact]
    public void Every_decoder_path_gives_the_xxh128_of_the_file_bytes()
    {
        using var dir = new TempDir();
        var photo = TestPaths.SomePhotos(1)[0];
        using (var img = TestImages.Gradient(300, 200)) img.Pngsave(dir["gradient.png"]);
        using (var img = TestImages.Gradient(300, 200)) using (var cmyk = img.Colourspace(NetVips.Enums.Interpretation.Cmyk)) cmyk.Jpegsave(dir["cmyk.jpg"]);
        File.WriteAllBytes(dir["four.bmp"], DecoderTests.Bmp(24));
        // The libjpeg-turbo path, libvips (PNG; a CMYK JPEG that the fast path leaves to it) and the BMP reader.
        foreach (var path in new[] { photo, dir["gradient.png"], dir["cmyk.jpg"], dir["four.bmp"] })
        {
            var decoded = Decode(path);
            Assert.Equal(Expected(path), decoded.Hash);
            Assert.Matches("^xxh128:[0-9a-f]{32}$", decoded.Hash);
        }
    }

    [Fact]
    public void A_file_of_many_chunks_is_read_whole_and_hashed_in_order()
    {
        using var dir = new TempDir();
        var bytes = new byte[3 * 256 * 1024 + 12345];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(dir["big.bin"], bytes);
        using var file = FileBytes.Read(dir["big.bin"]);
        Assert.Equal(bytes.Length, file.Length);
        Assert.True(file.Span.SequenceEqual(bytes));
        Assert.Equal(Expected(dir["big.bin"]), file.Hash);
        using var unhashed = FileBytes.Read(dir["big.bin"], hash: false);
        Assert.Null(unhashed.Hash);
    }

    [Fact]
    public void Known_answers_of_the_reference_implementation()
    {
        // What xxhsum -H2 (xxHash 0.8.1, the C reference) prints for "abc": the canonical, big-endian digest.
        using var dir = new TempDir();
        File.WriteAllText(dir["abc"], "abc");
        using var file = FileBytes.Read(dir["abc"]);
        Assert.Equal("xxh128:06b05ab6733a618578af5f94892f3950", file.Hash);
    }

    [Fact]
    public void The_hash_is_what_the_reference_xxhsum_prints()
    {
        const string XxhSum = "/usr/bin/xxhsum";
        Assert.SkipUnless(File.Exists(XxhSum), "xxhsum (Debian's xxhash package) is not installed: apt-get install xxhash");
        var photo = TestPaths.SomePhotos(1)[0];
        var psi = new ProcessStartInfo(XxhSum) { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-H2");
        psi.ArgumentList.Add(photo);
        using var p = Process.Start(psi)!;
        var line = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal("xxh128:" + line.Split(' ')[0], Decode(photo).Hash);
    }

    [Fact]
    public void Only_the_written_form_parses()
    {
        Assert.True(ContentHash.TryParse("xxh128:99aa06d3014798d86001c324468d497f", out var value));
        Assert.Equal(UInt128.Parse("99aa06d3014798d86001c324468d497f", System.Globalization.NumberStyles.HexNumber), value);
        Assert.False(ContentHash.TryParse("sha256:99aa06d3014798d86001c324468d497f", out _));
        Assert.False(ContentHash.TryParse("xxh128:99aa06d3", out _));
        Assert.False(ContentHash.TryParse(null, out _));
    }

    [Fact]
    public void Files_that_cannot_be_decoded_give_errors_not_hashes()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["page.jpg"], "<html>not a photo</html>");
        var outcome = Engine.TaggingPipeline.DecodeOne(new ImageDecoder(new PreprocessSpec(64, 48), 100_000_000), new InputItem("page.jpg", dir["page.jpg"]));
        Assert.NotNull(outcome.Failure);
        Assert.Null(outcome.Failure.Hash);
    }
}
