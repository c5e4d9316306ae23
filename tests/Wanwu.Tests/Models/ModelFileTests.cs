using System.Diagnostics;
using System.Text;
using Wanwu.Models;
using Wanwu.Models.PyTorch;
using Wanwu.Models.TfJs;

namespace Wanwu.Tests;

/// <summary>Model files are input too: malformed, truncated or hostile ones give a clear error and never run code.</summary>
public class ModelFileTests
{
    /// <summary>The classic pickle exploit: calls os.system with a shell command when Python unpickles it.</summary>
    private static byte[] ExploitPickle(string marker) =>
    [
        0x80, 2, (byte)'c', .. Encoding.ASCII.GetBytes("os\nsystem\n"),
        0x8c, (byte)("touch " + marker).Length, .. Encoding.ASCII.GetBytes("touch " + marker),
        0x85, (byte)'R', (byte)'.',
    ];

    [Fact]
    public void A_checkpoint_whose_pickle_runs_a_command_is_refused_and_nothing_runs()
    {
        using var dir = new TempDir();
        // First show the fixture is a real exploit: Python's own pickle runs it and the file appears.
        File.WriteAllBytes(dir["proof.pkl"], ExploitPickle(dir["python-ran-it"]));
        Process? python = null;
        try { python = Process.Start(new ProcessStartInfo("python3", ["-c", "import pickle,sys; pickle.loads(open(sys.argv[1],'rb').read())", dir["proof.pkl"]]) { UseShellExecute = false }); }
        catch (System.ComponentModel.Win32Exception) { /* no python3 here: the proof is skipped, the refusal is still tested */ }
        python?.WaitForExit();
        if (python is not null) Assert.True(File.Exists(dir["python-ran-it"]), "python3 executes the pickle");

        var writer = new TorchPickleWriter();
        writer.SaveZip(dir["evil.pt"], ExploitPickle(dir["wanwu-ran-it"]));
        var e = Assert.Throws<ModelLoadException>(() => TorchCheckpoint.Load(dir["evil.pt"]));
        Assert.Contains("os.system", e.Message);
        Assert.False(File.Exists(dir["wanwu-ran-it"]));
    }

    [Fact]
    public void A_state_dict_checkpoint_reads_back_exactly_including_strided_views()
    {
        using var dir = new TempDir();
        var w = Enumerable.Range(0, 24).Select(i => i * 0.5f - 3).ToArray();
        var b = new[] { 1f, -2f, 3.25f };
        var writer = new TorchPickleWriter();
        // "t" is the transpose of a 2x3 matrix stored row-major: shape [3,2], stride [1,3].
        var pickle = writer.StateDict([("conv.weight", [2, 3, 2, 2], w, null), ("fc.bias", [3], b, null), ("t", [3, 2], [1, 2, 3, 4, 5, 6], [1, 3])]);
        writer.SaveZip(dir["ok.pt"], pickle);
        var tensors = TorchCheckpoint.Load(dir["ok.pt"]);
        Assert.Equal(w, tensors["conv.weight"].Data);
        Assert.Equal([2L, 3, 2, 2], tensors["conv.weight"].Shape);
        Assert.Equal(b, tensors["fc.bias"].Data);
        Assert.Equal([1f, 4, 2, 5, 3, 6], tensors["t"].Data);
    }

    [Fact]
    public void Fuzzed_checkpoints_tfjs_graphs_and_onnx_files_give_clear_errors_not_crashes()
    {
        using var dir = new TempDir();
        var random = new Random(11);
        var writer = new TorchPickleWriter();
        var pickle = writer.StateDict([("a", [4, 4], Enumerable.Range(0, 16).Select(i => (float)i).ToArray(), null)]);
        for (var i = 0; i < 60; i++)
        {
            var bad = Mutate(pickle, random);
            new TorchPickleWriter().SaveZip(dir[$"f{i}.pt"], bad);
            try { TorchCheckpoint.Load(dir[$"f{i}.pt"]); } catch (ModelLoadException) { }
        }
        for (var i = 0; i < 20; i++)
        {
            File.WriteAllBytes(dir[$"raw{i}.pt"], Mutate(File.ReadAllBytes(dir["f0.pt"]), random));
            try { TorchCheckpoint.Load(dir[$"raw{i}.pt"]); } catch (ModelLoadException) { }
        }

        var model = ModelLocator.Locate(BuiltinModels.DefaultName).Dir;
        var json = File.ReadAllBytes(Path.Combine(model, "tfjs", "centernet.json"));
        var bin = File.ReadAllBytes(Path.Combine(model, "tfjs", "centernet.bin"));
        for (var i = 0; i < 15; i++)
        {
            var sub = Directory.CreateDirectory(dir[$"tfjs{i}"]).FullName;
            File.WriteAllBytes(Path.Combine(sub, "centernet.json"), i % 3 == 0 ? json : Mutate(json, random));
            File.WriteAllBytes(Path.Combine(sub, "centernet.bin"), i % 3 == 0 ? bin[..random.Next(bin.Length)] : bin);
            try { BuiltinModels.ImportCenterNet(Path.Combine(sub, "centernet.json"), sub); } catch (ModelLoadException) { }
        }

        // ONNX Runtime is native code: each mutated file is opened in its own wanwu process, which must answer, not crash.
        var onnx = File.ReadAllBytes(Path.Combine(TestPaths.MobileNet, "mobilenet_v2_1.0_224_int8_per_tensor.onnx"));
        for (var i = 0; i < 12; i++)
        {
            var sub = Directory.CreateDirectory(dir[$"onnx{i}"]).FullName;
            File.WriteAllBytes(Path.Combine(sub, "m.onnx"), i % 2 == 0 ? onnx[..random.Next(onnx.Length)] : Mutate(onnx, random));
            var r = CliProcess.Run("models", "inspect", sub);
            Assert.True(r.ExitCode is 0 or 4, $"exit {r.ExitCode}: {r.Stderr}");
            if (r.ExitCode == 4) Assert.StartsWith("wanwu: ", r.Stderr);
        }
    }

    private static byte[] Mutate(byte[] data, Random random)
    {
        var copy = (byte[])data.Clone();
        for (var f = 0; f < 1 + random.Next(8); f++) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return random.Next(3) == 0 ? copy[..random.Next(1, copy.Length)] : copy;
    }
}
