using System.Text.Json;

namespace Wanwu.Tests;

/// <summary>
/// A decode that never returns, in the default isolated mode, through the real CLI: the worker that noticed the hang
/// must stop without writing anything more, so the only trace of the hang is the hung file's decode_timeout record.
/// </summary>
public class HungDecodeTests
{
    /// <summary>
    /// Each hung file stops a worker while the other decoders and the inference worker are busy with the rest; a worker
    /// that went through exit()'s teardown there (ONNX Runtime's static objects destroyed under a running session) wrote
    /// inference_error records for images it was still tagging. Four hangs spread over 200 photos give four such
    /// moments, and one inference thread with small batches keeps inference busy at each (before the fix, 7 runs of 8
    /// lost labels this way, 0 to 48 images each, on a loaded 2-core machine; it is a race, so not every run shows it).
    /// </summary>
    [Fact]
    public void A_hung_decode_costs_only_its_own_file_and_every_other_image_gets_its_labels()
    {
        var photos = TestPaths.Photos;
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        foreach (var p in Directory.GetFiles(photos))
        {
            File.Copy(p, dir["in/a-" + Path.GetFileName(p)]);
            File.Copy(p, dir["in/b-" + Path.GetFileName(p)]);
        }
        // In ordinal order: before image 1, 50, 101 and 150.
        string[] hung = ["00-hangs.jpg", "a-n03-hangs.jpg", "a-zz-hangs.jpg", "b-n03-hangs.jpg"];
        foreach (var name in hung) File.Copy(TestPaths.SomePhotos(1)[0], dir["in/" + name]);

        var r = CliProcess.Run(new Dictionary<string, string> { ["WANWU_TEST_DECODER_FAULT"] = "hang:-hangs" },
            "tag", dir["in"], "-o", dir["out"], "--model", TestPaths.MobileNet, "--decode-timeout", "0.9", "-j", "3", "-b", "4", "--inference-threads", "1");

        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = File.ReadAllLines(dir["out/results.jsonl"]);
        var records = lines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("path").GetString()!);
        Assert.Equal(204, lines.Length);
        Assert.Equal(204, records.Count);
        foreach (var name in hung)
        {
            var error = records[name].GetProperty("error");
            Assert.Equal("decode_timeout", error.GetProperty("type").GetString());
            // A limit under a second is written as given (it once read "0 s").
            Assert.Equal("decoding took longer than 0.9 s and was abandoned", error.GetProperty("message").GetString());
            Assert.Contains($"decoding '{name}' took longer than 0.9 s", r.Stderr);
        }
        var others = records.Where(kv => !hung.Contains(kv.Key)).ToList();
        Assert.Equal(200, others.Count);
        Assert.All(others, kv =>
        {
            var error = kv.Value.GetProperty("error");
            Assert.True(error.ValueKind == JsonValueKind.Null, $"{kv.Key}: {error}");
            Assert.Equal(5, kv.Value.GetProperty("labels").GetArrayLength());
        });
    }
}
