namespace ClipTools.Checkpoints.Formats;

/// <summary>One tensor of a TorchSharp <c>.dat</c> file: its name, element type, shape and where its bytes are.</summary>
public sealed record DatEntry(string Name, DType DType, long[] Shape, long Offset, long ByteLength);

/// <summary>
/// Reads the weights format of TorchSharp's <c>Module.save</c>: ULEB128 entry count, then per entry the
/// length-prefixed UTF-8 name, ULEB128 element type, ULEB128 rank, ULEB128 dims and the raw little-endian bytes.
/// Only the headers are read up front; tensor bytes are read when asked for.
/// </summary>
public static class DatFile
{
    private const int MaxRank = 16;
    private const int MaxNameLength = 1024;

    // TorchSharp's ScalarType codes (the same as libtorch's c10::ScalarType).
    private static readonly Dictionary<long, DType> ElementTypes = new()
    {
        [0] = DType.UInt8,
        [1] = DType.Int8,
        [2] = DType.Int16,
        [3] = DType.Int32,
        [4] = DType.Int64,
        [5] = DType.Float16,
        [6] = DType.Float32,
        [7] = DType.Float64,
        [11] = DType.Bool,
        [15] = DType.BFloat16,
    };

    public static IReadOnlyList<DatEntry> ReadIndex(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var length = stream.Length;
        if (length >= 4 && reader.ReadUInt32() == 0x04034B50)
        {
            throw Error(path,
                "is a zip archive (a PyTorch checkpoint?), not a TorchSharp .dat file: convert it with clip-convert");
        }
        stream.Position = 0;
        var entries = new List<DatEntry>();
        var count = ReadCount(reader, path, "entry count");
        for (long i = 0; i < count; i++)
        {
            var at = stream.Position;
            string name;
            try
            {
                name = reader.ReadString();
            }
            catch (Exception e) when (e is EndOfStreamException or FormatException)
            {
                throw Error(path, $"entry {i}: unreadable name at byte {at}");
            }
            if (name.Length == 0 || name.Length > MaxNameLength || name.Any(char.IsControl))
            {
                throw Error(path, $"entry {i} at byte {at} has no plausible name: not a TorchSharp .dat file?");
            }
            var code = ReadCount(reader, path, $"element type of '{name}'");
            if (!ElementTypes.TryGetValue(code, out var element))
            {
                throw Error(path, $"'{name}': unknown element type {code} at byte {at}");
            }
            var rank = ReadCount(reader, path, $"rank of '{name}'");
            if (rank > MaxRank)
            {
                throw Error(path, $"'{name}': rank {rank} at byte {at} is not plausible");
            }
            var shape = new long[rank];
            long elements = 1;
            for (var d = 0; d < rank; d++)
            {
                shape[d] = ReadCount(reader, path, $"shape of '{name}'");
                elements = checked(elements * shape[d]);
            }
            var bytes = checked(elements * element.Size());
            if (stream.Position + bytes > length)
            {
                throw Error(path,
                    $"'{name}': needs {bytes} bytes at byte {stream.Position} but the file ends at {length} (truncated?)");
            }
            entries.Add(new DatEntry(name, element, shape, stream.Position, bytes));
            stream.Seek(bytes, SeekOrigin.Current);
        }
        if (stream.Position != length)
        {
            throw Error(path, $"{length - stream.Position} unexpected bytes after the last entry");
        }
        return entries;
    }

    private static long ReadCount(BinaryReader reader, string path, string what)
    {
        var at = reader.BaseStream.Position;
        try
        {
            var value = reader.Read7BitEncodedInt64();
            return value >= 0 ? value : throw new FormatException();
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException)
        {
            throw Error(path, $"{what}: bad or missing number at byte {at}");
        }
    }

    private static CheckpointFormatException Error(string path, string problem) =>
        new($"{Path.GetFileName(path)}: {problem}");
}
