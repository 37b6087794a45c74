namespace ClipTools.Checkpoints.Formats;

/// <summary>One named tensor of a checkpoint: its dtype, its shape and where its bytes are.</summary>
public sealed class TensorEntry(string name, DType dtype, IReadOnlyList<long> shape, TensorBytes bytes)
{
    public string Name { get; } = name;

    public DType DType { get; } = dtype;

    public IReadOnlyList<long> Shape { get; } = shape;

    public TensorBytes Bytes { get; } = bytes;

    public long ElementCount => ElementCountOf(Shape);

    public long ByteCount => ElementCount * DType.Size();

    /// <summary>The tensor's bytes in C order, little-endian. One tensor is in memory at a time.</summary>
    public byte[] ReadBytes()
    {
        if (ByteCount > Array.MaxLength)
        {
            throw new CheckpointFormatException($"tensor of {ByteCount} bytes is too large to read at once", new FormatPlace(Key: Name));
        }
        var buffer = new byte[ByteCount];
        Bytes.CopyTo(buffer);
        return buffer;
    }

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Product of the dimensions, with overflow checked (a hostile header can declare anything).</summary>
    public static long ElementCountOf(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            count = checked(count * d);
        }
        return count;
    }
}
