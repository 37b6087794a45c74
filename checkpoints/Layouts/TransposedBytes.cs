using System.Buffers;
using System.Runtime.InteropServices;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Layouts;

/// <summary>
/// A <c>[rows, cols]</c> matrix read as <c>[cols, rows]</c>. Any range of the output can be produced: the source is
/// read once into a pooled buffer (the one tensor held whole), kept while consecutive ranges are asked for, and
/// given back when the last byte has been produced; each range is transposed straight into the destination in
/// cache-sized blocks, by element type. So a writer streams a transposed tensor in chunks like any other, and
/// transposes leave no garbage behind.
/// </summary>
public sealed class TransposedBytes(TensorBytes source, long rows, long cols, int elementSize) : TensorBytes
{
    // A block of 32 x 32 elements of 8 bytes is 8 KiB each way: source and destination lines stay in L1.
    private const int Block = 32;

    private readonly long byteCount = checked(rows * cols * elementSize);
    private byte[]? loaded;

    public override bool HasRanges => true;

    public override void CopyTo(Span<byte> destination) => CopyRange(0, destination);

    public override void CopyRange(long start, Span<byte> destination)
    {
        if (start < 0 || start % elementSize != 0 || destination.Length % elementSize != 0 || destination.Length > byteCount - start)
        {
            throw new ArgumentOutOfRangeException(nameof(start), "a range of a transposed tensor must hold whole elements inside it");
        }
        var matrix = Load();
        try
        {
            var first = start / elementSize;
            var count = destination.Length / elementSize;
            switch (elementSize)
            {
                case 1:
                    Transpose<byte>(matrix, destination, first, count);
                    break;
                case 2:
                    Transpose(MemoryMarshal.Cast<byte, ushort>(matrix), MemoryMarshal.Cast<byte, ushort>(destination), first, count);
                    break;
                case 4:
                    Transpose(MemoryMarshal.Cast<byte, uint>(matrix), MemoryMarshal.Cast<byte, uint>(destination), first, count);
                    break;
                case 8:
                    Transpose(MemoryMarshal.Cast<byte, ulong>(matrix), MemoryMarshal.Cast<byte, ulong>(destination), first, count);
                    break;
                default:
                    throw new NotSupportedException($"transpose of {elementSize}-byte elements");
            }
        }
        finally
        {
            if (start + destination.Length == byteCount)
            {
                Release();
            }
        }
    }

    /// <summary>
    /// Output elements <c>[first, first + count)</c> of the <c>[cols, rows]</c> result: element <c>(j, i)</c> is source
    /// element <c>(i, j)</c>. Whole output rows go block by block; the partial rows at either end element by element.
    /// </summary>
    private void Transpose<T>(ReadOnlySpan<T> source, Span<T> destination, long first, long count)
        where T : unmanaged
    {
        var end = first + count;
        var at = first;
        // A partial output row at the start.
        if (at % rows != 0)
        {
            var j = at / rows;
            var stop = Math.Min(end, (j + 1) * rows);
            for (; at < stop; at++)
            {
                destination[(int)(at - first)] = source[(int)(((at % rows) * cols) + j)];
            }
        }
        // Whole output rows [j0, j1).
        var j0 = at / rows;
        var j1 = end / rows;
        if (j1 > j0)
        {
            var r = (int)rows;
            var c = (int)cols;
            var offset = (int)(at - first) - (int)(j0 * rows);
            for (var jb = (int)j0; jb < j1; jb += Block)
            {
                var jEnd = (int)Math.Min(jb + Block, j1);
                for (var ib = 0; ib < r; ib += Block)
                {
                    var iEnd = Math.Min(ib + Block, r);
                    for (var j = jb; j < jEnd; j++)
                    {
                        var row = destination.Slice(offset + (j * r), r);
                        for (var i = ib; i < iEnd; i++)
                        {
                            row[i] = source[(i * c) + j];
                        }
                    }
                }
            }
            at = j1 * rows;
        }
        // A partial output row at the end.
        for (; at < end; at++)
        {
            destination[(int)(at - first)] = source[(int)(((at % rows) * cols) + (at / rows))];
        }
    }

    private ReadOnlySpan<byte> Load()
    {
        if (loaded is null)
        {
            if (byteCount > Array.MaxLength)
            {
                throw new NotSupportedException($"a transposed tensor of {byteCount} bytes is more than one buffer holds");
            }
            var buffer = ArrayPool<byte>.Shared.Rent((int)byteCount);
            var span = buffer.AsSpan(0, (int)byteCount);
            if (source.HasRanges)
            {
                source.CopyRange(0, span);
            }
            else
            {
                source.CopyTo(span);
            }
            loaded = buffer;
        }
        return loaded.AsSpan(0, (int)byteCount);
    }

    private void Release()
    {
        if (loaded is not null)
        {
            ArrayPool<byte>.Shared.Return(loaded);
            loaded = null;
        }
    }
}
