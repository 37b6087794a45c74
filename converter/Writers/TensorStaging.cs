using System.Security.Cryptography;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Brings one tensor's bytes into memory at a time, in a buffer reused from tensor to tensor (it grows to the
/// largest tensor, never to the model), and records what was staged so the output can be checked against it.
/// </summary>
public sealed class TensorStaging
{
    private byte[] buffer = [];

    private readonly List<WrittenTensor> written = [];

    /// <summary>Every tensor staged so far, in order, as stored (dtype after the format's own mapping).</summary>
    public IReadOnlyList<WrittenTensor> Written => written;

    /// <summary>
    /// The tensor's C-order little-endian bytes, valid until the next call. <paramref name="storedAs"/> is the dtype
    /// the format records for it (Paddle keeps bfloat16 as uint16).
    /// </summary>
    public ReadOnlySpan<byte> Stage(TensorEntry tensor, DType storedAs)
    {
        var count = tensor.ByteCount;
        if (count > Array.MaxLength)
        {
            throw new OutputException($"'{tensor.Name}': {count} bytes is more than one tensor may hold in memory");
        }
        if (buffer.Length < count)
        {
            // Drop the old buffer first, so two large buffers are never alive together.
            buffer = [];
            buffer = GC.AllocateUninitializedArray<byte>((int)count);
        }
        var bytes = buffer.AsSpan(0, (int)count);
        tensor.Bytes.CopyTo(bytes);
        written.Add(new WrittenTensor(tensor.Name, storedAs, tensor.Shape.ToArray(), count, Convert.ToHexStringLower(SHA256.HashData(bytes))));
        return bytes;
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
}
