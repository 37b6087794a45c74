namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// One named tensor of a checkpoint: its dtype, its shape and where its bytes are. A shape with a negative dimension,
/// or whose element or byte count overflows 64 bits, is refused here, whichever reader declared it.
/// </summary>
public sealed class TensorEntry(string name, DType dtype, IReadOnlyList<long> shape, TensorBytes bytes)
{
    public string Name { get; } = name;

    public DType DType { get; } = dtype;

    public IReadOnlyList<long> Shape { get; } = shape;

    public TensorBytes Bytes { get; } = bytes;

    public long ElementCount { get; } = ElementCountOf(shape, new FormatPlace(Key: name));

    public long ByteCount { get; } = ByteCountOf(shape, dtype, new FormatPlace(Key: name));

    /// <summary>The tensor's bytes in C order, little-endian. One tensor is in memory at a time.</summary>
    public byte[] ReadBytes()
    {
        if (ByteCount > Array.MaxLength)
        {
            throw new CheckpointFormatException(FormatErrorKind.LimitExceeded, $"tensor of {ByteCount} bytes is too large to read at once", new FormatPlace(Key: Name));
        }
        var buffer = new byte[ByteCount];
        Bytes.CopyTo(buffer);
        return buffer;
    }

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Product of the dimensions, with overflow checked (a hostile header can declare anything).</summary>
    public static long ElementCountOf(IReadOnlyList<long> shape, FormatPlace? place = null)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new CheckpointFormatException(FormatErrorKind.NegativeSize, $"shape [{string.Join(", ", shape)}] has a negative dimension", place);
            }
            if (d != 0 && count > long.MaxValue / d)
            {
                throw new CheckpointFormatException(FormatErrorKind.Overflow, $"shape [{string.Join(", ", shape)}] overflows 64-bit element counts", place);
            }
            count *= d;
        }
        return count;
    }

    /// <summary>Element count times element size, refused when it overflows (a [2^62] float32 is not "0 bytes").</summary>
    public static long ByteCountOf(IReadOnlyList<long> shape, DType dtype, FormatPlace? place = null)
    {
        var count = ElementCountOf(shape, place);
        var size = dtype.Size();
        if (count > long.MaxValue / size)
        {
            throw new CheckpointFormatException(FormatErrorKind.Overflow, $"{dtype.Name()} shape [{string.Join(", ", shape)}] overflows 64-bit byte counts", place);
        }
        return count * size;
    }
}
