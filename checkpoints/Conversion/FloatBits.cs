using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// Bit-exact conversions between IEEE binary16, bfloat16, binary32 and binary64. Widening is exact; narrowing goes
/// from the exact double value in one step, rounding to nearest with ties to even, so there is never a double
/// rounding (float64 to float16 via float32 would round twice). Subnormals are produced and read; values past the
/// largest finite number become infinity; NaN stays NaN (quiet, sign and top payload bits kept).
/// </summary>
public static class FloatBits
{
    public static double HalfToDouble(ushort h)
    {
        var sign = (h & 0x8000) != 0 ? -1.0 : 1.0;
        var exp = (h >> 10) & 0x1f;
        var mant = h & 0x3ff;
        if (exp == 0x1f)
        {
            return mant == 0 ? sign * double.PositiveInfinity : BitConverter.Int64BitsToDouble(
                ((long)(h & 0x8000) << 48) | 0x7ff8000000000000L | ((long)mant << 42));
        }
        // Subnormal: mant * 2^-24; normal: (1024 + mant) * 2^(exp - 25). Both exact in a double.
        return exp == 0 ? sign * mant * Math.ScaleB(1.0, -24) : sign * (1024 + mant) * Math.ScaleB(1.0, exp - 25);
    }

    public static double BFloat16ToDouble(ushort b) => BitConverter.Int32BitsToSingle(b << 16);

    public static ushort DoubleToHalf(double value) => (ushort)Narrow(value, exponentBits: 5, mantissaBits: 10);

    public static ushort DoubleToBFloat16(double value) => (ushort)Narrow(value, exponentBits: 8, mantissaBits: 7);

    public static float DoubleToSingle(double value) => BitConverter.Int32BitsToSingle((int)Narrow(value, exponentBits: 8, mantissaBits: 23));

    /// <summary>The bits of <paramref name="value"/> rounded (nearest, ties to even) to a binary format of the given size.</summary>
    public static uint Narrow(double value, int exponentBits, int mantissaBits)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var sign = (uint)((ulong)bits >> 63) << (exponentBits + mantissaBits);
        var exp = (int)((bits >> 52) & 0x7ff);
        var mant = (ulong)bits & 0xfffffffffffffUL;
        var maxField = (1u << exponentBits) - 1;
        var infinity = sign | (maxField << mantissaBits);
        if (exp == 0x7ff)
        {
            // Quiet NaN with the top payload bits kept; infinity stays infinity.
            return mant == 0 ? infinity : infinity | (1u << (mantissaBits - 1)) | (uint)(mant >> (52 - mantissaBits));
        }
        if (exp == 0)
        {
            // Zero or a double subnormal (below 2^-1022): far under half the smallest subnormal of these formats.
            return sign;
        }
        var bias = (int)(maxField >> 1);
        var e = exp - 1023;
        if (e > bias)
        {
            return infinity;
        }
        var significand = mant | (1UL << 52);                        // 53 bits, value = significand * 2^(e - 52)
        var minNormal = 1 - bias;
        var shift = 52 - mantissaBits + (e < minNormal ? minNormal - e : 0);
        if (shift > 54)
        {
            return sign;                                             // below half the smallest subnormal
        }
        var q = significand >> shift;
        var rest = significand & ((1UL << shift) - 1);
        var half = 1UL << (shift - 1);
        if (rest > half || (rest == half && (q & 1) == 1))
        {
            q++;
        }
        // Normal: q holds the hidden bit, so adding (field - 1) << m carries into the exponent when q rounds up to
        // 2^(m+1). Subnormal: q is the mantissa itself, and 2^m becomes the smallest normal by the same carry.
        var magnitude = e < minNormal ? q : ((ulong)(e + bias - 1) << mantissaBits) + q;
        return magnitude >= (ulong)maxField << mantissaBits ? infinity : sign | (uint)magnitude;
    }

    /// <summary>The value of element <paramref name="index"/> of a float buffer, exactly, as a double.</summary>
    public static double Read(ReadOnlySpan<byte> bytes, DType dtype, long index) => dtype switch
    {
        DType.Float16 => HalfToDouble(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(int)(index * 2)..])),
        DType.BFloat16 => BFloat16ToDouble(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(int)(index * 2)..])),
        DType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[(int)(index * 4)..]),
        DType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(bytes[(int)(index * 8)..]),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a float dtype"),
    };

    /// <summary>The index of the first NaN or infinity, or -1. Tests the exponent bits only (no decoding), vectorised.</summary>
    public static long FirstNonFinite(ReadOnlySpan<byte> bytes, DType dtype)
    {
        switch (dtype)
        {
            case DType.Float16:
            case DType.BFloat16:
                return FloatKernels.FirstNonFinite16(MemoryMarshal.Cast<byte, ushort>(bytes), dtype == DType.BFloat16);
            case DType.Float32:
                return FloatKernels.FirstNonFinite32(MemoryMarshal.Cast<byte, uint>(bytes));
            case DType.Float64:
                for (var i = 0; i < bytes.Length / 8; i++)
                {
                    if ((BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]) & 0x7ff0000000000000UL) == 0x7ff0000000000000UL)
                    {
                        return i;
                    }
                }
                return -1;
            default:
                return -1;
        }
    }

    public static bool IsFloat(this DType dtype) => dtype is DType.Float16 or DType.BFloat16 or DType.Float32 or DType.Float64;
}
