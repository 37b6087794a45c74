namespace ClipTools.Verifier.Metrics;

/// <summary>Row-major flat offsets to multi-indices (numpy's <c>unravel_index</c>).</summary>
public static class MultiIndex
{
    public static long[] FromFlat(long flat, IReadOnlyList<long> shape)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (flat < 0 || flat >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(flat), flat, $"outside a tensor of {count} elements");
        }
        var index = new long[shape.Count];
        for (var d = shape.Count - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return index;
    }

    public static string Format(IReadOnlyList<long> index) => $"[{string.Join(", ", index)}]";
}
