using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
                    var j = jb;
                    if (typeof(T) == typeof(uint) && Sse2.IsSupported)
                    {
                        j = Tiles4x4(MemoryMarshal.Cast<T, uint>(source), MemoryMarshal.Cast<T, uint>(destination), offset, r, c, ib, iEnd, jb, jEnd);
                    }
                    for (; j < jEnd; j++)
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

    /// <summary>
    /// The 4-byte case (float32, the common one) of one block, four output rows by four at a time: each 4 x 4 tile is
    /// four 16-byte loads, two rounds of unpacks and four 16-byte stores instead of sixteen element copies. Tiles that
    /// do not fit whole at the block's edge columns are done element by element here; the output rows left over
    /// (fewer than four) are the caller's, from the row returned.
    /// </summary>
    private static int Tiles4x4(ReadOnlySpan<uint> source, Span<uint> destination, int offset, int r, int c, int ib, int iEnd, int jb, int jEnd)
    {
        // Every index below is inside the spans: rows i < iEnd <= r of the [r, c] source, columns j + 3 < jEnd <= c,
        // and output rows j + 3 < jEnd, which the caller's destination holds whole ([offset + jb * r, offset + jEnd * r)).
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var j = jb;
        for (; j + 4 <= jEnd; j += 4)
        {
            var i = ib;
            for (; i + 4 <= iEnd; i += 4)
            {
                var a0 = Vector128.LoadUnsafe(ref src, (nuint)((i * c) + j));
                var a1 = Vector128.LoadUnsafe(ref src, (nuint)(((i + 1) * c) + j));
                var a2 = Vector128.LoadUnsafe(ref src, (nuint)(((i + 2) * c) + j));
                var a3 = Vector128.LoadUnsafe(ref src, (nuint)(((i + 3) * c) + j));
                var t0 = Sse2.UnpackLow(a0, a1).AsUInt64();
                var t1 = Sse2.UnpackLow(a2, a3).AsUInt64();
                var t2 = Sse2.UnpackHigh(a0, a1).AsUInt64();
                var t3 = Sse2.UnpackHigh(a2, a3).AsUInt64();
                Sse2.UnpackLow(t0, t1).AsUInt32().StoreUnsafe(ref dst, (nuint)(offset + (j * r) + i));
                Sse2.UnpackHigh(t0, t1).AsUInt32().StoreUnsafe(ref dst, (nuint)(offset + ((j + 1) * r) + i));
                Sse2.UnpackLow(t2, t3).AsUInt32().StoreUnsafe(ref dst, (nuint)(offset + ((j + 2) * r) + i));
                Sse2.UnpackHigh(t2, t3).AsUInt32().StoreUnsafe(ref dst, (nuint)(offset + ((j + 3) * r) + i));
            }
            for (; i < iEnd; i++)
            {
                for (var k = 0; k < 4; k++)
                {
                    destination[offset + ((j + k) * r) + i] = source[(i * c) + j + k];
                }
            }
        }
        return j;
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
