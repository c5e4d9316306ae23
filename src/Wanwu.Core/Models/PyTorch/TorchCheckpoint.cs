using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Wanwu.Models.PyTorch;

/// <summary>A tensor read from a checkpoint, as float32 (de-quantised from its stored type).</summary>
internal sealed record TorchTensor(long[] Shape, float[] Data);

/// <summary>
/// Reads a PyTorch checkpoint (the zip format of <c>torch.save</c> since 1.6) without Python and without running its pickle:
/// every tensor found in the state dict, by its dotted name.
/// </summary>
internal static class TorchCheckpoint
{
    public static Dictionary<string, TorchTensor> Load(string path)
    {
        try
        {
            return LoadCore(path);
        }
        catch (Exception e) when (e is not ModelLoadException and not OutOfMemoryException)
        {
            // Whatever a damaged archive or pickle trips on, the user's answer is the same: this file is not usable.
            throw new ModelLoadException($"'{path}' is not a readable PyTorch checkpoint: {e.Message}", e);
        }
    }

    private static Dictionary<string, TorchTensor> LoadCore(string path)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new ModelLoadException($"'{path}' is not a PyTorch zip checkpoint (older pickle-only checkpoints are not read; re-save with a current torch.save).", e);
        }
        using (zip)
        {
            var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                ?? throw new ModelLoadException($"'{path}' has no data.pkl: not a PyTorch checkpoint.");
            var prefix = pkl.FullName[..^"data.pkl".Length];
            var root = SafePickle.Load(ReadEntry(pkl, 1L << 30));
            var tensors = new Dictionary<string, TorchTensor>(StringComparer.Ordinal);
            Collect(root, "", tensors, zip, prefix);
            return tensors;
        }
    }

    private static void Collect(object? node, string name, Dictionary<string, TorchTensor> tensors, ZipArchive zip, string prefix)
    {
        switch (node)
        {
            case TorchTensorRef t: tensors[name] = Materialise(t, zip, prefix); break;
            case PickleDict dict:
                foreach (var (k, v) in dict) Collect(v, name.Length == 0 ? k.ToString()! : $"{name}.{k}", tensors, zip, prefix);
                break;
        }
    }

    private static TorchTensor Materialise(TorchTensorRef t, ZipArchive zip, string prefix)
    {
        var entry = zip.GetEntry($"{prefix}data/{t.Storage.Key}") ?? throw new ModelLoadException($"the checkpoint lacks storage data/{t.Storage.Key}");
        var size = t.Storage.Dtype switch { "float64" or "int64" => 8, "float32" or "int32" => 4, "float16" or "bfloat16" or "int16" => 2, _ => 1 };
        var bytes = ReadEntry(entry, t.Storage.Count * size);
        if (bytes.Length < t.Storage.Count * size) throw new ModelLoadException($"storage data/{t.Storage.Key} is shorter than its {t.Storage.Count} elements");
        var count = t.Shape.Aggregate(1L, (a, b) => a * b);
        var result = new float[count];
        var index = new long[t.Shape.Length];
        for (long i = 0; i < count; i++)
        {
            var at = t.Offset;
            for (var d = 0; d < index.Length; d++) at += index[d] * t.Stride[d];
            if (at < 0 || at >= t.Storage.Count) throw new ModelLoadException("a tensor view reaches outside its storage");
            result[i] = Element(bytes, at, t.Storage.Dtype);
            for (var d = index.Length - 1; d >= 0; d--)
            {
                if (++index[d] < t.Shape[d]) break;
                index[d] = 0;
            }
        }
        return new TorchTensor(t.Shape, result);
    }

    private static float Element(byte[] b, long i, string dtype) => dtype switch
    {
        "float32" => MemoryMarshal.Read<float>(b.AsSpan(checked((int)(i * 4)))),
        "float16" => (float)MemoryMarshal.Read<Half>(b.AsSpan(checked((int)(i * 2)))),
        "bfloat16" => BitConverter.Int32BitsToSingle(MemoryMarshal.Read<ushort>(b.AsSpan(checked((int)(i * 2)))) << 16),
        "float64" => (float)MemoryMarshal.Read<double>(b.AsSpan(checked((int)(i * 8)))),
        "int64" => MemoryMarshal.Read<long>(b.AsSpan(checked((int)(i * 8)))),
        "int32" => MemoryMarshal.Read<int>(b.AsSpan(checked((int)(i * 4)))),
        "int16" => MemoryMarshal.Read<short>(b.AsSpan(checked((int)(i * 2)))),
        "int8" => (sbyte)b[i],
        _ => b[i],
    };

    /// <summary>Reads an entry, refusing one that claims or inflates to more than it should (zip bombs).</summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, long expected)
    {
        if (entry.Length > Math.Max(expected, 1) * 2 + 4096) throw new ModelLoadException($"checkpoint entry {entry.FullName} is larger than its tensor needs");
        using var stream = entry.Open();
        var buffer = new MemoryStream((int)Math.Min(entry.Length, int.MaxValue));
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
