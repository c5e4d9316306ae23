using System.Buffers.Binary;
using System.Text;

namespace Wanwu.Models.PyTorch;

/// <summary>A reference to a Python callable or class, as pickle names it; only allow-listed ones are ever accepted.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A pickled dict (OrderedDict included), keeping insertion order.</summary>
internal sealed class PickleDict : List<KeyValuePair<object, object?>>;

/// <summary>Where a tensor's bytes live in a checkpoint: <c>data/KEY</c> of the archive, with its element type.</summary>
internal sealed record TorchStorage(string Key, string Dtype, long Count);

/// <summary>A tensor as pickled: a view (offset, shape, stride) on a storage.</summary>
internal sealed record TorchTensorRef(TorchStorage Storage, long Offset, long[] Shape, long[] Stride);

/// <summary>
/// A pickle reader that executes nothing: it understands the opcodes of plain data (numbers, strings, bytes, lists, tuples,
/// dicts) plus the few PyTorch globals that rebuild tensors, and refuses every other global before it could be called.
/// A PyTorch checkpoint is a pickle; loading it with Python's pickle runs whatever code it names.
/// </summary>
internal static class SafePickle
{
    private static readonly Dictionary<string, string> StorageTypes = new()
    {
        ["FloatStorage"] = "float32", ["HalfStorage"] = "float16", ["BFloat16Storage"] = "bfloat16", ["DoubleStorage"] = "float64",
        ["LongStorage"] = "int64", ["IntStorage"] = "int32", ["ShortStorage"] = "int16", ["CharStorage"] = "int8",
        ["ByteStorage"] = "uint8", ["BoolStorage"] = "bool",
    };

    private static readonly HashSet<string> Callables =
    [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    ];

    private static bool Allowed(PickleGlobal g) =>
        Callables.Contains(g.ToString()) || (g.Module == "torch" && StorageTypes.ContainsKey(g.Name));

    private sealed class Mark;

    /// <summary>Reads one pickle; throws <see cref="ModelLoadException"/> for anything that is not plain data or tensors.</summary>
    public static object? Load(ReadOnlySpan<byte> data)
    {
        var stack = new List<object?>();
        var memo = new Dictionary<long, object?>();
        var pos = 0;
        var mark = new Mark();

        ReadOnlySpan<byte> Take(ReadOnlySpan<byte> d, int n)
        {
            if (n < 0 || pos + n > d.Length) throw Bad("the pickle ends early");
            var s = d.Slice(pos, n);
            pos += n;
            return s;
        }
        object? Pop()
        {
            if (stack.Count == 0) throw Bad("the pickle pops an empty stack");
            var v = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return v;
        }
        List<object?> PopToMark()
        {
            var i = stack.FindLastIndex(o => ReferenceEquals(o, mark));
            if (i < 0) throw Bad("the pickle has no mark");
            var items = stack.GetRange(i + 1, stack.Count - i - 1);
            stack.RemoveRange(i, stack.Count - i);
            return items;
        }
        string Line(ReadOnlySpan<byte> d)
        {
            var end = d[pos..].IndexOf((byte)'\n');
            if (end < 0) throw Bad("the pickle ends early");
            var s = Encoding.UTF8.GetString(d.Slice(pos, end));
            pos += end + 1;
            return s;
        }
        object? Global(string module, string name)
        {
            var g = new PickleGlobal(module, name);
            if (!Allowed(g)) throw new ModelLoadException($"The checkpoint refers to '{g}', which wanwu refuses: only tensors and plain containers are read, never code.");
            return g;
        }

        while (true)
        {
            var op = Take(data, 1)[0];
            switch (op)
            {
                case 0x80: Take(data, 1); break;                         // PROTO
                case 0x95: Take(data, 8); break;                         // FRAME
                case (byte)'}': stack.Add(new PickleDict()); break;
                case (byte)']': stack.Add(new List<object?>()); break;
                case (byte)')': stack.Add(Array.Empty<object?>()); break;
                case (byte)'(': stack.Add(mark); break;
                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(data, 4))); break;
                case (byte)'K': stack.Add((long)Take(data, 1)[0]); break;
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(data, 2))); break;
                case 0x8a:                                                // LONG1
                {
                    var n = Take(data, 1)[0];
                    if (n > 8) throw Bad("integer too large");
                    var bytes = Take(data, n);
                    long v = 0;
                    for (var i = n - 1; i >= 0; i--) v = (v << 8) | bytes[i];
                    if (n > 0 && n < 8 && (bytes[n - 1] & 0x80) != 0) v -= 1L << (8 * n);
                    stack.Add(v);
                    break;
                }
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(data, 8))); break;
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(Take(data, (int)BinaryPrimitives.ReadUInt32LittleEndian(Take(data, 4))))); break;
                case 0x8c: stack.Add(Encoding.UTF8.GetString(Take(data, Take(data, 1)[0]))); break;
                case 0x8d: stack.Add(Encoding.UTF8.GetString(Take(data, checked((int)BinaryPrimitives.ReadUInt64LittleEndian(Take(data, 8)))))); break;
                case (byte)'C': stack.Add(Take(data, Take(data, 1)[0]).ToArray()); break;
                case (byte)'B': stack.Add(Take(data, checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(data, 4)))).ToArray()); break;
                case 0x8e: stack.Add(Take(data, checked((int)BinaryPrimitives.ReadUInt64LittleEndian(Take(data, 8)))).ToArray()); break;
                case (byte)'t': stack.Add(PopToMark().ToArray()); break;
                case 0x85: stack.Add(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new[] { a, b, c }); break; }
                case (byte)'l': stack.Add(PopToMark()); break;
                case (byte)'a': { var v = Pop(); AsList(stack[^1]).Add(v); break; }
                case (byte)'e': { var items = PopToMark(); AsList(stack[^1]).AddRange(items); break; }
                case (byte)'d':
                {
                    var items = PopToMark();
                    var dict = new PickleDict();
                    for (var i = 0; i + 1 < items.Count; i += 2) dict.Add(new(items[i] ?? "", items[i + 1]));
                    stack.Add(dict);
                    break;
                }
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(stack[^1]).Add(new(k ?? "", v)); break; }
                case (byte)'u':
                {
                    var items = PopToMark();
                    var dict = AsDict(stack[^1]);
                    for (var i = 0; i + 1 < items.Count; i += 2) dict.Add(new(items[i] ?? "", items[i + 1]));
                    break;
                }
                case (byte)'q': memo[Take(data, 1)[0]] = stack[^1]; break;
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(data, 4))] = stack[^1]; break;
                case 0x94: memo[memo.Count] = stack[^1]; break;
                case (byte)'h': stack.Add(Memo(memo, Take(data, 1)[0])); break;
                case (byte)'j': stack.Add(Memo(memo, BinaryPrimitives.ReadUInt32LittleEndian(Take(data, 4)))); break;
                case (byte)'0': Pop(); break;
                case (byte)'1': PopToMark(); break;
                case (byte)'2': stack.Add(stack[^1]); break;
                case (byte)'c': { var module = Line(data); var name = Line(data); stack.Add(Global(module, name)); break; }
                case 0x93: { var name = Pop() as string; var module = Pop() as string; stack.Add(Global(module ?? "?", name ?? "?")); break; }
                case (byte)'Q': stack.Add(Storage(Pop())); break;
                case (byte)'R': { var args = Pop() as object?[] ?? throw Bad("REDUCE without a tuple"); stack.Add(Call(Pop(), args)); break; }
                case (byte)'b': Pop(); break;                             // BUILD: state of an OrderedDict (metadata); not needed
                case (byte)'.': return stack.Count == 1 ? stack[0] : throw Bad("the pickle ends with a malformed stack");
                default:
                    throw new ModelLoadException($"The checkpoint uses pickle opcode 0x{op:x2} ('{(char)op}'), which wanwu refuses: only tensors and plain containers are read.");
            }
        }
    }

    private static object? Call(object? callable, object?[] args)
    {
        if (callable is not PickleGlobal g) throw Bad("REDUCE on something that is not an allowed global");
        switch (g.ToString())
        {
            case "collections.OrderedDict": return new PickleDict();
            case "torch._utils._rebuild_parameter": return args.Length > 0 ? args[0] : throw Bad("parameter without data");
            case "torch._utils._rebuild_tensor_v2":
                if (args.Length < 4 || args[0] is not TorchStorage storage) throw Bad("malformed tensor");
                return new TorchTensorRef(storage, Convert.ToInt64(args[1]), Longs(args[2]), Longs(args[3]));
            default:
                throw new ModelLoadException($"The checkpoint calls '{g}', which wanwu refuses.");
        }
    }

    private static TorchStorage Storage(object? pid)
    {
        // ('storage', torch.FloatStorage, key, location, numel)
        if (pid is object?[] { Length: >= 5 } t && t[0] is "storage" && t[1] is PickleGlobal type && StorageTypes.TryGetValue(type.Name, out var dtype))
            return new TorchStorage(t[2]?.ToString() ?? throw Bad("storage without key"), dtype, Convert.ToInt64(t[4]));
        throw new ModelLoadException("The checkpoint has a persistent reference that is not a tensor storage; wanwu refuses it.");
    }

    private static long[] Longs(object? tuple) => tuple is object?[] t ? t.Select(Convert.ToInt64).ToArray() : throw Bad("shape is not a tuple");

    private static List<object?> AsList(object? o) => o as List<object?> ?? throw Bad("APPEND to something that is not a list");

    private static PickleDict AsDict(object? o) => o as PickleDict ?? throw Bad("SETITEM on something that is not a dict");

    private static object? Memo(Dictionary<long, object?> memo, long key) => memo.TryGetValue(key, out var v) ? v : throw Bad("the pickle reads a memo it never wrote");

    private static ModelLoadException Bad(string what) => new($"The checkpoint's pickle is malformed: {what}.");
}
