namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Where a tensor's bytes are, and how to produce them in C order (row-major, little-endian). Nothing is read
/// until <see cref="CopyTo"/> is called.
/// </summary>
public abstract class TensorBytes
{
    /// <summary>Writes exactly the tensor's C-order bytes into <paramref name="destination"/>.</summary>
    public abstract void CopyTo(Span<byte> destination);
}

/// <summary>A contiguous byte range of the checkpoint file (torch zip storages, safetensors, legacy storages).</summary>
public sealed class FileRangeBytes(CheckpointFile file, long offset, FormatPlace place) : TensorBytes
{
    public long Offset { get; } = offset;

    public override void CopyTo(Span<byte> destination) => file.ReadExactly(Offset, destination, place);
}

/// <summary>Bytes already in memory (numpy arrays pickled inline in Paddle files).</summary>
public sealed class MemoryBytes(ReadOnlyMemory<byte> bytes) : TensorBytes
{
    public override void CopyTo(Span<byte> destination) => bytes.Span[..destination.Length].CopyTo(destination);
}

/// <summary>Several sources laid end to end (Paddle's <c>name@@.N</c> slices of one array).</summary>
public sealed class ConcatBytes(IReadOnlyList<(TensorBytes Part, long Length)> parts) : TensorBytes
{
    public override void CopyTo(Span<byte> destination)
    {
        var at = 0;
        foreach (var (part, length) in parts)
        {
            part.CopyTo(destination.Slice(at, checked((int)length)));
            at += (int)length;
        }
    }
}

/// <summary>
/// A strided view of an element buffer: PyTorch views (storage offset, non-contiguous or zero strides) and
/// Fortran-ordered numpy arrays. The covered span of the buffer is read once, then gathered in C order.
/// </summary>
public sealed class StridedBytes(TensorBytes span, long spanElements, int elementSize, long elementOffset, long[] shape, long[] strides)
    : TensorBytes
{
    public override void CopyTo(Span<byte> destination)
    {
        var source = new byte[checked(spanElements * elementSize)];
        span.CopyTo(source);
        var index = new long[shape.Length];
        var count = destination.Length / elementSize;
        for (var i = 0; i < count; i++)
        {
            var element = elementOffset;
            for (var d = 0; d < shape.Length; d++)
            {
                element += index[d] * strides[d];
            }
            source.AsSpan(checked((int)(element * elementSize)), elementSize).CopyTo(destination.Slice(i * elementSize, elementSize));
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    break;
                }
                index[d] = 0;
            }
        }
    }
}
