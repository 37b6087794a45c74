using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

[assembly: InternalsVisibleTo("Converter.Tests")]

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// The hot dtype steps of a conversion, vectorised, each with the finite check fused into the same pass: float16 and
/// bfloat16 widened to float32, and float32 checked as it is. 256-bit vectors where the code is compiled for a CPU
/// that has them (the JIT's, or a NativeAOT build for such a target), else 128-bit ones (every x86-64 and Arm64 CPU:
/// a NativeAOT build for the baseline x86-64 has no 256-bit vectors, and a scalar loop there costs a quarter of an
/// RN50 conversion's CPU), else scalar. Every result is bit for bit what <see cref="FloatBits"/> gives (a test walks
/// all 65,536 patterns at each width). Each returns the index of the first NaN or infinity in the source, or -1; when
/// it is not -1 the destination's contents are unspecified (the caller stops the conversion).
/// </summary>
public static class FloatKernels
{
    private const uint HalfExponent = 0x7c00;
    private const uint BFloat16Exponent = 0x7f80;
    private const uint SingleExponent = 0x7f800000;

    /// <summary>The widest vectors the code runs with here, in bits (256, 128 or 0 for scalar).</summary>
    internal static readonly int BestVectorBits = Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>IEEE binary16 to binary32, exactly (subnormals, signed zeros); the first non-finite's index or -1.</summary>
    public static long HalfToSingle(ReadOnlySpan<ushort> source, Span<uint> destination) => HalfToSingle(source, destination, BestVectorBits);

    /// <summary>bfloat16 to binary32 (exact); the first non-finite's index or -1.</summary>
    public static long BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<uint> destination) => BFloat16ToSingle(source, destination, BestVectorBits);

    /// <summary>The index of the first NaN or infinity among float16 (or bfloat16) bit patterns, or -1.</summary>
    public static long FirstNonFinite16(ReadOnlySpan<ushort> values, bool bfloat16) => FirstNonFinite16(values, bfloat16, BestVectorBits);

    /// <summary>The index of the first NaN or infinity among float32 bit patterns, or -1.</summary>
    public static long FirstNonFinite32(ReadOnlySpan<uint> values) => FirstNonFinite32(values, BestVectorBits);

    /// <summary>IEEE binary16 to binary32, exactly (subnormals, signed zeros; NaN quieted as .NET's <see cref="Half"/> does).</summary>
    internal static long HalfToSingle(ReadOnlySpan<ushort> source, Span<uint> destination, int vectorBits)
    {
        var n = source.Length;
        if (destination.Length < n)
        {
            throw new ArgumentException("destination is shorter than the source", nameof(destination));
        }
        var i = 0;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        if (vectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            var exponent = Vector256.Create(HalfExponent);
            for (; i <= n - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                if (Vector256.EqualsAny(lower & exponent, exponent) | Vector256.EqualsAny(upper & exponent, exponent))
                {
                    return FirstNonFiniteScalar(source[i..], HalfExponent) + i;
                }
                WidenFiniteHalves(lower).StoreUnsafe(ref dst, (nuint)i);
                WidenFiniteHalves(upper).StoreUnsafe(ref dst, (nuint)(i + Vector256<uint>.Count));
            }
        }
        if (vectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            var exponent = Vector128.Create(HalfExponent);
            for (; i <= n - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                if (Vector128.EqualsAny(lower & exponent, exponent) | Vector128.EqualsAny(upper & exponent, exponent))
                {
                    return FirstNonFiniteScalar(source[i..], HalfExponent) + i;
                }
                WidenFiniteHalves(lower).StoreUnsafe(ref dst, (nuint)i);
                WidenFiniteHalves(upper).StoreUnsafe(ref dst, (nuint)(i + Vector128<uint>.Count));
            }
        }
        for (; i < n; i++)
        {
            if ((source[i] & HalfExponent) == HalfExponent)
            {
                return i;
            }
            destination[i] = HalfToSingleBits(source[i]);
        }
        return -1;
    }

    /// <summary>bfloat16 to binary32: the bits moved up 16 places, which is exact for every pattern.</summary>
    internal static long BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<uint> destination, int vectorBits)
    {
        var n = source.Length;
        if (destination.Length < n)
        {
            throw new ArgumentException("destination is shorter than the source", nameof(destination));
        }
        var i = 0;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        if (vectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            var exponent = Vector256.Create(BFloat16Exponent);
            for (; i <= n - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                if (Vector256.EqualsAny(lower & exponent, exponent) | Vector256.EqualsAny(upper & exponent, exponent))
                {
                    return FirstNonFiniteScalar(source[i..], BFloat16Exponent) + i;
                }
                (lower << 16).StoreUnsafe(ref dst, (nuint)i);
                (upper << 16).StoreUnsafe(ref dst, (nuint)(i + Vector256<uint>.Count));
            }
        }
        if (vectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            var exponent = Vector128.Create(BFloat16Exponent);
            for (; i <= n - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                if (Vector128.EqualsAny(lower & exponent, exponent) | Vector128.EqualsAny(upper & exponent, exponent))
                {
                    return FirstNonFiniteScalar(source[i..], BFloat16Exponent) + i;
                }
                (lower << 16).StoreUnsafe(ref dst, (nuint)i);
                (upper << 16).StoreUnsafe(ref dst, (nuint)(i + Vector128<uint>.Count));
            }
        }
        for (; i < n; i++)
        {
            if ((source[i] & BFloat16Exponent) == BFloat16Exponent)
            {
                return i;
            }
            destination[i] = (uint)source[i] << 16;
        }
        return -1;
    }

    /// <summary>The index of the first NaN or infinity among float16 (or bfloat16) bit patterns, or -1.</summary>
    internal static long FirstNonFinite16(ReadOnlySpan<ushort> values, bool bfloat16, int vectorBits)
    {
        var mask = bfloat16 ? BFloat16Exponent : HalfExponent;
        var i = 0;
        ref var src = ref MemoryMarshal.GetReference(values);
        var found = false;
        if (vectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            var exponent = Vector256.Create((ushort)mask);
            for (; i <= values.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                if (Vector256.EqualsAny(Vector256.LoadUnsafe(ref src, (nuint)i) & exponent, exponent))
                {
                    found = true;
                    break;
                }
            }
        }
        if (!found && vectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            var exponent = Vector128.Create((ushort)mask);
            for (; i <= values.Length - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                if (Vector128.EqualsAny(Vector128.LoadUnsafe(ref src, (nuint)i) & exponent, exponent))
                {
                    break;
                }
            }
        }
        var at = FirstNonFiniteScalar(values[i..], mask);
        return at < 0 ? -1 : at + i;
    }

    /// <summary>The index of the first NaN or infinity among float32 bit patterns, or -1.</summary>
    internal static long FirstNonFinite32(ReadOnlySpan<uint> values, int vectorBits)
    {
        var i = 0;
        ref var src = ref MemoryMarshal.GetReference(values);
        var found = false;
        if (vectorBits >= 256 && Vector256.IsHardwareAccelerated)
        {
            var exponent = Vector256.Create(SingleExponent);
            for (; i <= values.Length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                if (Vector256.EqualsAny(Vector256.LoadUnsafe(ref src, (nuint)i) & exponent, exponent))
                {
                    found = true;
                    break;
                }
            }
        }
        if (!found && vectorBits >= 128 && Vector128.IsHardwareAccelerated)
        {
            var exponent = Vector128.Create(SingleExponent);
            for (; i <= values.Length - Vector128<uint>.Count; i += Vector128<uint>.Count)
            {
                if (Vector128.EqualsAny(Vector128.LoadUnsafe(ref src, (nuint)i) & exponent, exponent))
                {
                    break;
                }
            }
        }
        for (; i < values.Length; i++)
        {
            if ((values[i] & SingleExponent) == SingleExponent)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>One float16 pattern as float32 bits (any pattern, NaN and infinity included).</summary>
    public static uint HalfToSingleBits(ushort h)
    {
        var sign = (uint)(h & 0x8000) << 16;
        var magnitude = (uint)(h & 0x7fff);
        var exponent = magnitude & HalfExponent;
        if (exponent == HalfExponent)
        {
            // Infinity keeps a zero mantissa; NaN keeps its payload and is made quiet.
            var mantissa = magnitude & 0x3ff;
            return sign | SingleExponent | (mantissa << 13) | (mantissa != 0 ? 0x400000u : 0);
        }
        if (exponent == 0)
        {
            // Zero or subnormal: mantissa * 2^-24, both factors exact in float32 and the product a normal number.
            return sign | BitConverter.SingleToUInt32Bits(magnitude * (1.0f / 16777216.0f));
        }
        return sign | ((magnitude << 13) + ((127 - 15) << 23));
    }

    /// <summary>Four finite float16 patterns (widened to 32 bits) as float32 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> WidenFiniteHalves(Vector128<uint> h)
    {
        var sign = (h & Vector128.Create(0x8000u)) << 16;
        var magnitude = h & Vector128.Create(0x7fffu);
        var normal = (magnitude << 13) + Vector128.Create((uint)(127 - 15) << 23);
        var subnormal = (Vector128.ConvertToSingle(magnitude.AsInt32()) * Vector128.Create(1.0f / 16777216.0f)).AsUInt32();
        var isSubnormal = Vector128.Equals(magnitude & Vector128.Create(HalfExponent), Vector128<uint>.Zero);
        return Vector128.ConditionalSelect(isSubnormal, subnormal, normal) | sign;
    }

    /// <summary>Eight finite float16 patterns (widened to 32 bits) as float32 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> WidenFiniteHalves(Vector256<uint> h)
    {
        var sign = (h & Vector256.Create(0x8000u)) << 16;
        var magnitude = h & Vector256.Create(0x7fffu);
        var normal = (magnitude << 13) + Vector256.Create((uint)(127 - 15) << 23);
        var subnormal = (Vector256.ConvertToSingle(magnitude.AsInt32()) * Vector256.Create(1.0f / 16777216.0f)).AsUInt32();
        var isSubnormal = Vector256.Equals(magnitude & Vector256.Create(HalfExponent), Vector256<uint>.Zero);
        return Vector256.ConditionalSelect(isSubnormal, subnormal, normal) | sign;
    }

    private static long FirstNonFiniteScalar(ReadOnlySpan<ushort> values, uint mask)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if ((values[i] & mask) == mask)
            {
                return i;
            }
        }
        return -1;
    }
}
