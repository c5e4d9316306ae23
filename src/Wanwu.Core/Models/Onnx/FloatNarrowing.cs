using System.Runtime.InteropServices;
using Google.Protobuf;
using DataType = Wanwu.Models.Onnx.TensorProto.Types.DataType;

namespace Wanwu.Models.Onnx;

/// <summary>
/// Float32 tensors stored as float16 or bfloat16. For float16 the values are first kept inside a safe range, as
/// onnxconverter-common does: a tiny non-zero weight (an epsilon) does not become 0 and divide by zero, and a huge one
/// (a -1e9 mask) becomes ±<see cref="MaxFinite"/> rather than infinity. (onnxconverter-common clamps at 1e4; ONNX
/// Runtime's own converter, like wanwu, at float16's largest value, so a large batch-norm variance keeps its value.)
/// </summary>
internal static class FloatNarrowing
{
    /// <summary>Smallest magnitude a non-zero float16 value keeps (a float16 subnormal, about 1.19e-7).</summary>
    public const float MinPositive = 1e-7f;

    /// <summary>Largest magnitude a finite float16 value gets: float16's own largest, so no finite weight becomes infinite.</summary>
    public const float MaxFinite = 65504f;

    /// <summary>Whether <paramref name="type"/> is one of the two narrow float types.</summary>
    public static bool IsNarrow(int type) => type is (int)DataType.Float16 or (int)OnnxPrecision.BFloat16;

    /// <summary>The float values of a float32 tensor (its raw bytes or its float_data); fails where the data is not in the file.</summary>
    public static ReadOnlySpan<float> Floats(TensorProto t)
    {
        var count = t.Dims.Aggregate(1L, (a, d) => a * d);
        if (!t.RawData.IsEmpty && t.RawData.Length == count * sizeof(float)) return MemoryMarshal.Cast<byte, float>(t.RawData.Span);
        if (t.RawData.IsEmpty && t.FloatData.Count == count) return t.FloatData.ToArray();
        throw new ModelLoadException($"tensor '{t.Name}' holds {count} floats but its data is not in the model file " +
            $"({t.RawData.Length} raw bytes, {t.FloatData.Count} float_data): external data is not supported here");
    }

    /// <summary>A copy of float32 tensor <paramref name="t"/> stored as <paramref name="target"/> (float16 or bfloat16) raw data.</summary>
    public static TensorProto Narrow(TensorProto t, int target)
    {
        var values = Floats(t);
        var bytes = new byte[values.Length * sizeof(ushort)];
        var bits = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan());
        if (target == (int)DataType.Float16)
            for (var i = 0; i < values.Length; i++) bits[i] = ToHalfBits(values[i]);
        else if (target == OnnxPrecision.BFloat16)
            for (var i = 0; i < values.Length; i++) bits[i] = ToBFloat16Bits(values[i]);
        else throw new ArgumentOutOfRangeException(nameof(target), target, "float16 (10) or bfloat16 (16)");
        var narrow = new TensorProto { Name = t.Name, DataType = target, DocString = t.DocString };
        narrow.Dims.AddRange(t.Dims);
        narrow.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
        return narrow;
    }

    /// <summary>Float16 bits of <paramref name="v"/> after keeping it in [<see cref="MinPositive"/>, <see cref="MaxFinite"/>] by magnitude; 0, ±∞ and NaN stay.</summary>
    public static ushort ToHalfBits(float v)
    {
        if (float.IsFinite(v) && v != 0)
        {
            var magnitude = Math.Abs(v);
            if (magnitude < MinPositive) v = MathF.CopySign(MinPositive, v);
            else if (magnitude > MaxFinite) v = MathF.CopySign(MaxFinite, v);
        }
        return BitConverter.HalfToUInt16Bits((Half)v);
    }

    /// <summary>Bfloat16 bits of <paramref name="v"/>: the top half of the float32, rounded to nearest even; NaN stays a (quiet) NaN.</summary>
    public static ushort ToBFloat16Bits(float v)
    {
        var bits = BitConverter.SingleToUInt32Bits(v);
        if (float.IsNaN(v)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>The float32 value of bfloat16 bits.</summary>
    public static float FromBFloat16Bits(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
