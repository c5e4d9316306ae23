using System.IO.Compression;
using System.Text;

namespace Wanwu.Tests;

/// <summary>
/// Writes checkpoints in the layout of torch.save (zip: archive/data.pkl, archive/data/N, archive/version), with the
/// same pickle opcodes torch emits for a state dict, so readers can be tested without PyTorch.
/// </summary>
public sealed class TorchPickleWriter
{
    private readonly MemoryStream _pkl = new();
    private readonly List<byte[]> _storages = [];

    public TorchPickleWriter() => Op(0x80, 2);

    private void Op(params byte[] bytes) => _pkl.Write(bytes);

    private void Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        if (b.Length < 256) Op(0x8c, (byte)b.Length); else { Op((byte)'X'); _pkl.Write(BitConverter.GetBytes(b.Length)); }
        _pkl.Write(b);
    }

    private void Int(long v) { Op((byte)'J'); _pkl.Write(BitConverter.GetBytes((int)v)); }

    private void Global(string module, string name) { Op((byte)'c'); _pkl.Write(Encoding.UTF8.GetBytes($"{module}\n{name}\n")); }

    private void OrderedDict() { Global("collections", "OrderedDict"); Op((byte)')', (byte)'R'); }

    /// <summary>Writes an OrderedDict of float32 tensors; a tensor given with a stride is stored as that view of its data.</summary>
    public byte[] StateDict(IEnumerable<(string Name, long[] Shape, float[] Data, long[]? Stride)> tensors)
    {
        OrderedDict();
        Op((byte)'(');
        foreach (var (name, shape, data, stride) in tensors)
        {
            Str(name);
            Global("torch._utils", "_rebuild_tensor_v2");
            Op((byte)'(');
            Op((byte)'('); Str("storage"); Global("torch", "FloatStorage"); Str(_storages.Count.ToString()); Str("cpu"); Int(data.Length); Op((byte)'t', (byte)'Q');
            Int(0);
            Op((byte)'('); foreach (var d in shape) Int(d); Op((byte)'t');
            var s = stride ?? Contiguous(shape);
            Op((byte)'('); foreach (var d in s) Int(d); Op((byte)'t');
            Op(0x89);
            OrderedDict();
            Op((byte)'t', (byte)'R');
            var bytes = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            _storages.Add(bytes);
        }
        Op((byte)'u', (byte)'.');
        return _pkl.ToArray();
    }

    public static long[] Contiguous(long[] shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (var i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    /// <summary>Packs a pickle and this writer's storages as torch.save does.</summary>
    public void SaveZip(string path, byte[] pickle)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        void Entry(string name, byte[] data) { using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open(); s.Write(data); }
        Entry("archive/data.pkl", pickle);
        for (var i = 0; i < _storages.Count; i++) Entry($"archive/data/{i}", _storages[i]);
        Entry("archive/version", "3\n"u8.ToArray());
    }
}
