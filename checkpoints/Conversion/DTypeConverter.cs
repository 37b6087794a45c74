using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>Where a conversion had to stop: a NaN or infinity in the source, or a finite value the output cannot hold.</summary>
public readonly record struct ConversionFault(long Index, bool Overflow);

/// <summary>
/// Converts tensor bytes from one dtype to another, any number of elements at a time (so a tensor can be converted
/// chunk by chunk): float16 and bfloat16 to float32 through the vectorised <see cref="FloatKernels"/>, other floats
/// through <see cref="FloatBits"/> (exact, one rounding), integers to int64. Float values are checked in the same
/// pass: the first NaN or infinity, or the first value the output dtype turns into infinity, is reported.
/// </summary>
public static class DTypeConverter
{
    /// <summary>
    /// Converts all of <paramref name="source"/> into the start of <paramref name="destination"/> (which may not
    /// overlap it). Returns the first fault, with its index in <paramref name="source"/>, or null.
    /// </summary>
    public static ConversionFault? Convert(ReadOnlySpan<byte> source, DType from, Span<byte> destination, DType to)
    {
        var count = source.Length / from.Size();
        destination = destination[..(count * to.Size())];
        if (!from.IsFloat())
        {
            ConvertInteger(source, from, destination, to, count);
            return null;
        }
        if (!to.IsFloat())
        {
            throw new ArgumentException($"no conversion from {from.Name()} to {to.Name()}");
        }
        if (from == to)
        {
            source.CopyTo(destination);
            return Fault(FloatBits.FirstNonFinite(source, from), overflow: false);
        }
        if (to == DType.Float32 && from is DType.Float16 or DType.BFloat16)
        {
            var halves = MemoryMarshal.Cast<byte, ushort>(source);
            var singles = MemoryMarshal.Cast<byte, uint>(destination);
            return Fault(from == DType.Float16 ? FloatKernels.HalfToSingle(halves, singles) : FloatKernels.BFloat16ToSingle(halves, singles), overflow: false);
        }
        if (Fault(FloatBits.FirstNonFinite(source, from), overflow: false) is { } nonFinite)
        {
            return nonFinite;
        }
        for (var i = 0; i < count; i++)
        {
            Write(destination, to, i, FloatBits.Read(source, from, i));
        }
        return Fault(FloatBits.FirstNonFinite(destination, to), overflow: true);
    }

    private static ConversionFault? Fault(long index, bool overflow) => index < 0 ? null : new ConversionFault(index, overflow);

    private static void ConvertInteger(ReadOnlySpan<byte> source, DType from, Span<byte> destination, DType to, int count)
    {
        if (from == to)
        {
            source.CopyTo(destination);
            return;
        }
        if (to != DType.Int64)
        {
            throw new ArgumentException($"no conversion from {from.Name()} to {to.Name()}");
        }
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination[(i * 8)..], ReadInteger(source, from, i));
        }
    }

    private static void Write(Span<byte> destination, DType dtype, int index, double value)
    {
        switch (dtype)
        {
            case DType.Float16:
                BinaryPrimitives.WriteUInt16LittleEndian(destination[(index * 2)..], FloatBits.DoubleToHalf(value));
                break;
            case DType.BFloat16:
                BinaryPrimitives.WriteUInt16LittleEndian(destination[(index * 2)..], FloatBits.DoubleToBFloat16(value));
                break;
            case DType.Float32:
                BinaryPrimitives.WriteSingleLittleEndian(destination[(index * 4)..], FloatBits.DoubleToSingle(value));
                break;
            case DType.Float64:
                BinaryPrimitives.WriteDoubleLittleEndian(destination[(index * 8)..], value);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype));
        }
    }

    private static long ReadInteger(ReadOnlySpan<byte> bytes, DType dtype, int i) => dtype switch
    {
        DType.Bool or DType.UInt8 => bytes[i],
        DType.Int8 => (sbyte)bytes[i],
        DType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * 2)..]),
        DType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]),
        DType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]),
        DType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}
