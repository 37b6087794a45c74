using System.Buffers;
using System.IO.Hashing;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Reads a written file back with the reader that consumers use for that format (TorchSharp's <c>.dat</c> index
/// from <see cref="DatFile"/>, the converter's safetensors and Paddle readers) and describes every tensor the way
/// the writer did: name, dtype, shape, byte count, and the XXH3 checksum of the bytes the reader finds for it. So
/// one comparison proves that the consumer sees every tensor the writer meant, in order, at the bytes it wrote.
/// Each tensor's bytes are read once, in chunks (Paddle's reader too: its arrays are ranges of the file).
/// </summary>
public static class OutputReadBack
{
    private const int ChunkBytes = 1 << 20;

    public static IReadOnlyList<WrittenTensor> Read(string path, OutputFormat format)
    {
        // The readers' tensor sets only hold this file open; it is closed here, after the last tensor is read.
        using var file = new CheckpointFile(path);
        var tensors = format switch
        {
            OutputFormat.Dat => DatEntries(file),
            OutputFormat.Safetensors => SafetensorsReader.Read(file).Tensors,
            OutputFormat.Pdparams => PaddleReader.Read(file).Tensors,
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        return tensors.Select(Describe).ToList();
    }

    private static WrittenTensor Describe(TensorEntry t)
    {
        var checksum = new XxHash3();
        if (t.Bytes.HasRanges)
        {
            var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(t.ByteCount, ChunkBytes));
            try
            {
                for (long at = 0; at < t.ByteCount;)
                {
                    var n = (int)Math.Min(chunk.Length, t.ByteCount - at);
                    t.Bytes.CopyRange(at, chunk.AsSpan(0, n));
                    checksum.Append(chunk.AsSpan(0, n));
                    at += n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
        else
        {
            checksum.Append(t.ReadBytes());
        }
        return new WrittenTensor(t.Name, t.DType, t.Shape.ToArray(), t.ByteCount, Convert.ToHexStringLower(checksum.GetCurrentHash()));
    }

    /// <summary>The tensors TorchSharp's loader finds in a <c>.dat</c>: <see cref="DatFile"/>'s index over the file's bytes.</summary>
    private static List<TensorEntry> DatEntries(CheckpointFile file) => DatFile.ReadIndex(file.Path)
        .Select(e => new TensorEntry(e.Name, e.DType, e.Shape, new FileRangeBytes(file, e.Offset, new FormatPlace(Key: e.Name))))
        .ToList();
}
