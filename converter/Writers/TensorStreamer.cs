using System.Buffers;
using System.IO.Hashing;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Moves tensor bytes from their source to an output stream in chunks of at most <see cref="ChunkBytes"/>, and
/// records what was written (with an XXH3 checksum of each tensor's bytes, so the read-back can compare them).
/// Sources that read in ranges (<see cref="TensorBytes.HasRanges"/>: file ranges, renames, dtype conversions,
/// transposes) are never whole in memory; any others are produced whole, once, and written from there. Chunks go
/// straight into the output's own buffer when it offers one (<see cref="IBufferWriter{T}"/>), so no extra copy.
/// </summary>
public sealed class TensorStreamer
{
    /// <summary>The most bytes of one tensor held at a time when its source reads in ranges.</summary>
    public const int ChunkBytes = 1 << 20;

    private readonly List<WrittenTensor> written = [];

    // For sources that only produce whole tensors: reused, so it grows to the largest such tensor, never to the model.
    private byte[] whole = [];

    /// <summary>Every tensor written so far, in order, as stored (dtype after the format's own mapping).</summary>
    public IReadOnlyList<WrittenTensor> Written => written;

    /// <summary>
    /// Writes the tensor's C-order little-endian bytes to <paramref name="output"/>. <paramref name="storedAs"/> is
    /// the dtype the format records for it (Paddle keeps bfloat16 as uint16).
    /// </summary>
    public void Write(TensorEntry tensor, DType storedAs, Stream output)
    {
        var count = tensor.ByteCount;
        var checksum = new XxHash3();
        if (tensor.Bytes.HasRanges)
        {
            var sink = output as IBufferWriter<byte>;
            var rented = sink is null ? ArrayPool<byte>.Shared.Rent((int)Math.Min(count, ChunkBytes)) : null;
            try
            {
                for (long at = 0; at < count;)
                {
                    var n = (int)Math.Min(ChunkBytes, count - at);
                    var chunk = sink is null ? rented.AsSpan(0, n) : sink.GetSpan(n)[..n];
                    tensor.Bytes.CopyRange(at, chunk);
                    checksum.Append(chunk);
                    if (sink is null)
                    {
                        output.Write(chunk);
                    }
                    else
                    {
                        sink.Advance(n);
                    }
                    at += n;
                }
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
        else
        {
            if (count > Array.MaxLength)
            {
                throw new OutputException($"'{tensor.Name}': {count} bytes is more than one tensor may hold in memory");
            }
            if (whole.Length < count)
            {
                // Drop the old buffer first, so two large buffers are never alive together.
                whole = [];
                whole = GC.AllocateUninitializedArray<byte>((int)count);
            }
            var bytes = whole.AsSpan(0, (int)count);
            tensor.Bytes.CopyTo(bytes);
            checksum.Append(bytes);
            output.Write(bytes);
        }
        written.Add(new WrittenTensor(tensor.Name, storedAs, tensor.Shape.ToArray(), count, Convert.ToHexStringLower(checksum.GetCurrentHash())));
    }

    /// <summary>Refuses a tensor list that no format can write: two tensors with one name.</summary>
    public static void CheckUniqueNames(IReadOnlyList<TensorEntry> tensors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!seen.Add(t.Name))
            {
                throw new OutputException($"two tensors are named '{t.Name}'");
            }
        }
    }

    /// <summary>The checksum <see cref="Write"/> records for these bytes (XXH3, 64 bits, hex).</summary>
    public static string Checksum(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(XxHash3.Hash(bytes));
}
