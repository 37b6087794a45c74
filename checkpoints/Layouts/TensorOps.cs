namespace ClipTools.Checkpoints.Layouts;

/// <summary>The byte-level steps of the rules, on C-order buffers of any element size (dtype-agnostic).</summary>
public static class TensorOps
{
    /// <summary>A <c>[rows, cols]</c> matrix to <c>[cols, rows]</c>.</summary>
    public static byte[] Transpose2D(ReadOnlySpan<byte> source, long rows, long cols, int elementSize)
    {
        var result = new byte[source.Length];
        var r = (int)rows;
        var c = (int)cols;
        for (var i = 0; i < r; i++)
        {
            for (var j = 0; j < c; j++)
            {
                source.Slice(((i * c) + j) * elementSize, elementSize).CopyTo(result.AsSpan(((j * r) + i) * elementSize, elementSize));
            }
        }
        return result;
    }

    /// <summary>Buffers laid end to end: a concatenation along dim 0 in C order.</summary>
    public static byte[] Concat(IEnumerable<byte[]> parts)
    {
        var list = parts.ToList();
        var result = new byte[list.Sum(p => (long)p.Length)];
        var at = 0;
        foreach (var p in list)
        {
            p.CopyTo(result, at);
            at += p.Length;
        }
        return result;
    }

    /// <summary>Part <paramref name="index"/> of <paramref name="count"/> equal slices along dim 0.</summary>
    public static byte[] Slice(byte[] source, int index, int count)
    {
        var length = source.Length / count;
        return source.AsSpan(index * length, length).ToArray();
    }
}
