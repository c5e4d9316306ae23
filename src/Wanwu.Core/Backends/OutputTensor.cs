namespace Wanwu.Backends;

/// <summary>One model output for a whole batch, as floats; the first dimension is the batch.</summary>
internal sealed record OutputTensor(string Name, int[] Shape, float[] Data)
{
    /// <summary>Elements per image.</summary>
    public int RowLength => Shape.Length == 0 ? Data.Length : Shape.Skip(1).Aggregate(1, (a, b) => a * b);

    /// <summary>The part of the output that belongs to image <paramref name="index"/> of the batch.</summary>
    public ReadOnlySpan<float> Row(int index) => Data.AsSpan(index * RowLength, RowLength);
}
