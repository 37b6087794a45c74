namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Where a tensor's bytes are, and how to produce them in C order (row-major, little-endian). Nothing is read
/// until asked: <see cref="CopyTo"/> produces the whole tensor, <see cref="CopyRange"/> any part of it where the
/// source allows (<see cref="HasRanges"/>), so a writer can stream a tensor in small chunks.
/// </summary>
public abstract class TensorBytes
{
    /// <summary>Writes exactly the tensor's C-order bytes into <paramref name="destination"/>.</summary>
    public abstract void CopyTo(Span<byte> destination);

    /// <summary>True when <see cref="CopyRange"/> reads a part without producing the whole tensor.</summary>
    public virtual bool HasRanges => false;

    /// <summary>Writes bytes <c>[start, start + destination.Length)</c> of the tensor's C-order bytes.</summary>
    public virtual void CopyRange(long start, Span<byte> destination) =>
        throw new NotSupportedException($"{GetType().Name} produces whole tensors only");
}

/// <summary>A contiguous byte range of the checkpoint file (torch zip storages, safetensors, legacy storages).</summary>
public sealed class FileRangeBytes(CheckpointFile file, long offset, FormatPlace place) : TensorBytes
{
    public long Offset { get; } = offset;

    public override void CopyTo(Span<byte> destination) => file.ReadExactly(Offset, destination, place);

    public override bool HasRanges => true;

    public override void CopyRange(long start, Span<byte> destination) => file.ReadExactly(checked(Offset + start), destination, place);
}

/// <summary>Bytes already in memory (numpy arrays pickled inline in Paddle files).</summary>
public sealed class MemoryBytes(ReadOnlyMemory<byte> bytes) : TensorBytes
{
    public override void CopyTo(Span<byte> destination) => bytes.Span[..destination.Length].CopyTo(destination);

    public override bool HasRanges => true;

    public override void CopyRange(long start, Span<byte> destination) =>
        bytes.Span.Slice(checked((int)start), destination.Length).CopyTo(destination);
}

/// <summary>Several sources laid end to end (Paddle's <c>name@@.N</c> slices of one array, a concatenation along dim 0).</summary>
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

    public override bool HasRanges => parts.All(p => p.Part.HasRanges);

    public override void CopyRange(long start, Span<byte> destination)
    {
        long partStart = 0;
        foreach (var (part, length) in parts)
        {
            if (destination.IsEmpty)
            {
                return;
            }
            if (start < partStart + length)
            {
                var from = start - partStart;
                var n = (int)Math.Min(destination.Length, length - from);
                part.CopyRange(from, destination[..n]);
                destination = destination[n..];
                start += n;
            }
            partStart += length;
        }
        if (!destination.IsEmpty)
        {
            throw new ArgumentOutOfRangeException(nameof(start), "range past the end of the concatenated parts");
        }
    }
}

/// <summary>
/// Bytes <c>[start, start + length)</c> of another tensor's bytes (an equal part along dim 0). Ranged sources read
/// only the part; others produce the whole tensor and keep the part.
/// </summary>
public sealed class SliceBytes(TensorBytes whole, long wholeLength, long start, long length) : TensorBytes
{
    public override void CopyTo(Span<byte> destination)
    {
        if (whole.HasRanges)
        {
            whole.CopyRange(start, destination[..checked((int)length)]);
            return;
        }
        var all = GC.AllocateUninitializedArray<byte>(checked((int)wholeLength));
        whole.CopyTo(all);
        all.AsSpan(checked((int)start), (int)length).CopyTo(destination);
    }

    public override bool HasRanges => whole.HasRanges;

    public override void CopyRange(long offset, Span<byte> destination) => whole.CopyRange(checked(start + offset), destination);
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
