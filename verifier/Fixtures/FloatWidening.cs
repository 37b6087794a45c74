using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClipTools.Verifier.Fixtures;

/// <summary>float32 to float64, exact, vectorised; the source may be the destination's own upper half.</summary>
public static class FloatWidening
{
    /// <summary>
    /// Writes <c>destination[i] = source[i]</c>. <paramref name="source"/> may lie in the upper half of
    /// <paramref name="destination"/>'s bytes (in-place widening): elements are read, a block at a time, before the block's
    /// doubles are written, and the doubles of elements 0..k-1 end at byte 8k, never past the first unread float
    /// (byte 4n + 4k for k &lt;= n).
    /// </summary>
    public static void Widen(ReadOnlySpan<float> source, Span<double> destination)
    {
        if (source.Length != destination.Length)
        {
            throw new ArgumentException($"widening {source.Length} floats into {destination.Length} doubles");
        }
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var from = ref MemoryMarshal.GetReference(source);
            ref var to = ref MemoryMarshal.GetReference(destination);
            for (; i <= source.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var block = Vector256.LoadUnsafe(ref from, (nuint)i);
                var (lower, upper) = Vector256.Widen(block);
                lower.StoreUnsafe(ref to, (nuint)i);
                upper.StoreUnsafe(ref to, (nuint)(i + Vector256<double>.Count));
            }
        }
        for (; i < source.Length; i++)
        {
            destination[i] = source[i];
        }
    }
}
