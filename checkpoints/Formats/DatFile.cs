namespace ClipTools.Checkpoints.Formats;

/// <summary>One tensor of a TorchSharp <c>.dat</c> file: its name, element type, shape and where its bytes are.</summary>
public sealed record DatEntry(string Name, DType DType, long[] Shape, long Offset, long ByteLength);

/// <summary>
/// Reads the weights format of TorchSharp's <c>Module.save</c>: ULEB128 entry count, then per entry the
/// length-prefixed UTF-8 name, ULEB128 element type, ULEB128 rank, ULEB128 dims and the raw little-endian bytes.
/// The format has no magic number, so a file is a <c>.dat</c> when this structure accounts for every byte of it
/// (<see cref="IsDat"/>). Only the headers are read up front; tensor bytes are read when asked for.
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
        var (entries, problem) = Parse(stream);
        return problem is null ? entries : throw new CheckpointFormatException($"{Path.GetFileName(path)}: {problem}");
    }

    /// <summary>Whether the whole file is one <c>.dat</c> index with its tensors, nothing missing and nothing after.</summary>
    public static bool IsDat(Stream stream)
    {
        stream.Position = 0;
        return Parse(stream).Problem is null;
    }

    /// <summary>The file as a tensor set (format <see cref="CheckpointFormat.TorchSharpDat"/>), bytes read in place.</summary>
    public static TensorSet Read(CheckpointFile file)
    {
        var index = ReadIndex(file.Path);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var tensors = new List<TensorEntry>(index.Count);
        foreach (var e in index)
        {
            if (!seen.Add(e.Name))
            {
                throw new CheckpointFormatException($"'{e.Name}' appears twice", new FormatPlace(Offset: e.Offset, Key: e.Name));
            }
            tensors.Add(new TensorEntry(e.Name, e.DType, e.Shape, new FileRangeBytes(file, e.Offset, new FormatPlace(Key: e.Name))));
        }
        return new TensorSet(CheckpointFormat.TorchSharpDat, $"TorchSharp .dat, {index.Count} tensors", tensors, [],
            new Dictionary<string, string>(), null, file);
    }

    /// <summary>The entries, or the first thing that is not as the format says (and where).</summary>
    private static (List<DatEntry> Entries, string? Problem) Parse(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var length = stream.Length;
        var entries = new List<DatEntry>();
        if (length >= 4 && reader.ReadUInt32() == 0x04034B50)
        {
            return (entries, "is a zip archive (a PyTorch checkpoint?), not a TorchSharp .dat file: convert it with clip-convert");
        }
        stream.Position = 0;
        if (ReadCount(reader) is not long count)
        {
            return (entries, "entry count: bad or missing number at byte 0");
        }
        for (long i = 0; i < count; i++)
        {
            var at = stream.Position;
            if (ReadName(reader) is not { } name)
            {
                return (entries, $"entry {i}: unreadable name at byte {at}");
            }
            if (name.Length == 0 || name.Length > MaxNameLength || name.Any(char.IsControl))
            {
                return (entries, $"entry {i} at byte {at} has no plausible name: not a TorchSharp .dat file?");
            }
            var codeAt = stream.Position;
            if (ReadCount(reader) is not long code)
            {
                return (entries, $"element type of '{name}': bad or missing number at byte {codeAt}");
            }
            if (!ElementTypes.TryGetValue(code, out var element))
            {
                return (entries, $"'{name}': unknown element type {code} at byte {at}");
            }
            var rankAt = stream.Position;
            if (ReadCount(reader) is not long rank)
            {
                return (entries, $"rank of '{name}': bad or missing number at byte {rankAt}");
            }
            if (rank > MaxRank)
            {
                return (entries, $"'{name}': rank {rank} at byte {at} is not plausible");
            }
            var shape = new long[rank];
            var elements = (Int128)1;
            for (var d = 0; d < rank; d++)
            {
                var dimAt = stream.Position;
                if (ReadCount(reader) is not long dim)
                {
                    return (entries, $"shape of '{name}': bad or missing number at byte {dimAt}");
                }
                shape[d] = dim;
                elements = Int128.Min(elements * dim, long.MaxValue);
            }
            var bytes = elements * element.Size();
            if (stream.Position + bytes > length)
            {
                return (entries, $"'{name}': needs {bytes} bytes at byte {stream.Position} but the file ends at {length} (truncated?)");
            }
            entries.Add(new DatEntry(name, element, shape, stream.Position, (long)bytes));
            stream.Seek((long)bytes, SeekOrigin.Current);
        }
        if (stream.Position != length)
        {
            return (entries, $"{length - stream.Position} unexpected bytes after the last entry");
        }
        return (entries, null);
    }

    // .NET's BinaryWriter.Write(string): a 7-bit-encoded byte length, then UTF-8.
    private static string? ReadName(BinaryReader reader)
    {
        if (ReadCount(reader) is not long byteLength || byteLength > MaxNameLength * 4
            || byteLength > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            return null;
        }
        var bytes = reader.ReadBytes((int)byteLength);
        var utf8 = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
        var name = utf8.GetString(bytes);
        return name.Contains('\uFFFD') ? null : name;
    }

    // ULEB128, at most 63 bits; null at the end of the file or for a longer number.
    private static long? ReadCount(BinaryReader reader)
    {
        long value = 0;
        for (var shift = 0; shift < 63; shift += 7)
        {
            if (reader.BaseStream.Position >= reader.BaseStream.Length)
            {
                return null;
            }
            var b = reader.ReadByte();
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        return null;
    }
}
