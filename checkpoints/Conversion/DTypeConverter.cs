using System.Buffers.Binary;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>Converts a whole tensor's bytes from one dtype to another: floats through <see cref="FloatBits"/>, integers to int64.</summary>
public static class DTypeConverter
{
    public static byte[] Convert(byte[] source, DType from, DType to)
    {
        if (from == to)
        {
            return source;
        }
        var count = source.Length / from.Size();
        var result = new byte[count * to.Size()];
        if (from.IsFloat() && to.IsFloat())
        {
            for (var i = 0; i < count; i++)
            {
                Write(result, to, i, FloatBits.Read(source, from, i));
            }
            return result;
        }
        if (!from.IsFloat() && to == DType.Int64)
        {
            for (var i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(result.AsSpan(i * 8), ReadInteger(source, from, i));
            }
            return result;
        }
        throw new ArgumentException($"no conversion from {from.Name()} to {to.Name()}");
    }

    private static void Write(byte[] destination, DType dtype, int index, double value)
    {
        switch (dtype)
        {
            case DType.Float16:
                BinaryPrimitives.WriteUInt16LittleEndian(destination.AsSpan(index * 2), FloatBits.DoubleToHalf(value));
                break;
            case DType.BFloat16:
                BinaryPrimitives.WriteUInt16LittleEndian(destination.AsSpan(index * 2), FloatBits.DoubleToBFloat16(value));
                break;
            case DType.Float32:
                BinaryPrimitives.WriteSingleLittleEndian(destination.AsSpan(index * 4), FloatBits.DoubleToSingle(value));
                break;
            case DType.Float64:
                BinaryPrimitives.WriteDoubleLittleEndian(destination.AsSpan(index * 8), value);
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
