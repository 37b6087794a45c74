using System.Security.Cryptography;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;
using ClipTools.Model.Weights;
using static TorchSharp.torch;

namespace ClipTools.Converter.Tests.Writers;

/// <summary>Tensors for the writer tests: from the committed fixtures, from TorchSharp, or made up in memory.</summary>
public static class WriterTestData
{
    /// <summary>Buffers the released archives carry that are not part of the model's state dict.</summary>
    public static readonly string[] ArchiveOnlyBuffers = ["input_resolution", "context_length", "vocab_size"];

    public static string TinyPath(string file) => Path.Combine(Fixtures.Folder, "..", "tiny", file);

    /// <summary>The tensors of a fixture .dat, read in place (the file stays open while the set lives).</summary>
    public static (List<TensorEntry> Tensors, IDisposable File) FromDat(string path)
    {
        var file = new CheckpointFile(path);
        var tensors = DatFile.ReadIndex(path)
            .Select(e => new TensorEntry(e.Name, e.DType, e.Shape, new FileRangeBytes(file, e.Offset, new FormatPlace(Key: e.Name))))
            .ToList();
        return (tensors, file);
    }

    /// <summary>A model's state dict as writer input, in the model's own order, bytes taken from the tensors.</summary>
    public static List<TensorEntry> FromStateDict(nn.Module model) =>
        model.state_dict().Select(kv => new TensorEntry(kv.Key, kv.Value.dtype.ToDType(), kv.Value.shape, new MemoryBytes(kv.Value.bytes.ToArray()))).ToList();

    /// <summary>The canonical weights of a released-style .pt: archive-only buffers dropped, float16 widened to float32.</summary>
    public static List<TensorEntry> CanonicalFloat32(TensorSet set) => set.Tensors
        .Where(t => !ArchiveOnlyBuffers.Contains(t.Name))
        .Select(t => t.DType == DType.Float16 ? new TensorEntry(t.Name, DType.Float32, t.Shape, new WidenedHalf(t)) : t)
        .ToList();

    public static TensorEntry InMemory(string name, DType dtype, long[] shape, int seed = 1)
    {
        var bytes = new byte[TensorEntry.ElementCountOf(shape) * dtype.Size()];
        new Random(seed).NextBytes(bytes);
        if (dtype == DType.Bool)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] &= 1;
            }
        }
        return new TensorEntry(name, dtype, shape, new MemoryBytes(bytes));
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>float16 bytes widened to float32 (exact): the pipeline's --dtype float32, for these tests only.</summary>
    private sealed class WidenedHalf(TensorEntry half) : TensorBytes
    {
        public override void CopyTo(Span<byte> destination)
        {
            var source = half.ReadBytes();
            for (var i = 0; i < source.Length / 2; i++)
            {
                var value = (float)BitConverter.ToHalf(source, 2 * i);
                BitConverter.TryWriteBytes(destination.Slice(4 * i, 4), value);
            }
        }
    }

    /// <summary>Bytes that fail part-way through a write, as a truncated input would.</summary>
    public sealed class FailingBytes : TensorBytes
    {
        public override void CopyTo(Span<byte> destination) => throw new CheckpointFormatException(FormatErrorKind.Truncated, "source ended", new FormatPlace(Offset: 1234));
    }

    /// <summary>Bytes made on demand, so a large model needs no memory until a tensor is written.</summary>
    public sealed class PatternBytes(byte seed) : TensorBytes
    {
        public override void CopyTo(Span<byte> destination)
        {
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = (byte)(seed + i * 31);
            }
        }
    }
}
