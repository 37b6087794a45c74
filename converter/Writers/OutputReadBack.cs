using System.Security.Cryptography;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Reads a written file back with the reader that consumers use for that format (TorchSharp's <c>.dat</c> index
/// from <see cref="DatFile"/>, the converter's safetensors and Paddle readers) and describes every tensor the way
/// the writer did, so the two can be compared. One tensor's bytes are in memory at a time (except for Paddle, whose
/// reader holds the whole pickle, as <c>paddle.load</c> does).
/// </summary>
public static class OutputReadBack
{
    public static IReadOnlyList<WrittenTensor> Read(string path, OutputFormat format) => format switch
    {
        OutputFormat.Dat => ReadDat(path),
        OutputFormat.Safetensors => ReadWith(path, SafetensorsReader.Read),
        OutputFormat.Pdparams => ReadWith(path, PaddleReader.Read),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private static List<WrittenTensor> ReadDat(string path)
    {
        var result = new List<WrittenTensor>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        foreach (var entry in DatFile.ReadIndex(path))
        {
            stream.Position = entry.Offset;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            CopyRange(stream, entry.ByteLength, hash);
            result.Add(new WrittenTensor(entry.Name, entry.DType, entry.Shape, entry.ByteLength,
                Convert.ToHexStringLower(hash.GetHashAndReset())));
        }
        return result;
    }

    private static List<WrittenTensor> ReadWith(string path, Func<CheckpointFile, TensorSet> reader)
    {
        var file = new CheckpointFile(path);
        TensorSet set;
        try
        {
            set = reader(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        using (set)
        {
            return set.Tensors
                .Select(t => new WrittenTensor(t.Name, t.DType, t.Shape.ToArray(), t.ByteCount, Convert.ToHexStringLower(SHA256.HashData(t.ReadBytes()))))
                .ToList();
        }
    }

    private static void CopyRange(Stream stream, long count, IncrementalHash hash)
    {
        var chunk = new byte[(int)Math.Min(count, 1 << 20)];
        while (count > 0)
        {
            var n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, count));
            if (n <= 0)
            {
                throw new EndOfStreamException("file ended inside a tensor");
            }
            hash.AppendData(chunk, 0, n);
            count -= n;
        }
    }
}
