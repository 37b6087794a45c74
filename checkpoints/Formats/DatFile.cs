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

    // A one-byte name length, a one-byte name, element type and rank.
    private const int MinEntryBytes = 4;

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
        var looksLikeDat = false;
        try
        {
            return Parse(stream, ref looksLikeDat);
        }
        catch (CheckpointFormatException e)
        {
            throw new CheckpointFormatException(e.Kind, $"{Path.GetFileName(path)}: {e.What}", e.Where);
        }
    }

    /// <summary>Whether the whole file is one <c>.dat</c> index with its tensors, nothing missing and nothing after.</summary>
    public static bool IsDat(Stream stream) => Check(stream) is null;

    /// <summary>
    /// Null when the whole file is one <c>.dat</c>; else what is wrong, and whether the file looked like a
    /// <c>.dat</c> up to there (its first entry's name and element type read), so the problem is worth reporting.
    /// </summary>
    public static (CheckpointFormatException Problem, bool LooksLikeDat)? Check(Stream stream)
    {
        stream.Position = 0;
        var looksLikeDat = false;
        try
        {
            Parse(stream, ref looksLikeDat);
            return null;
        }
        catch (CheckpointFormatException e)
        {
            return (e, looksLikeDat);
        }
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
                throw new CheckpointFormatException(FormatErrorKind.DuplicateName, $"'{e.Name}' appears twice", new FormatPlace(Offset: e.Offset, Key: e.Name));
            }
            tensors.Add(new TensorEntry(e.Name, e.DType, e.Shape, new FileRangeBytes(file, e.Offset, new FormatPlace(Key: e.Name))));
        }
        return new TensorSet(CheckpointFormat.TorchSharpDat, $"TorchSharp .dat, {index.Count} tensors", tensors, [],
            new Dictionary<string, string>(), null, file);
    }

    /// <summary>The entries; the first thing that is not as the format says is thrown, with its kind and byte.</summary>
    private static List<DatEntry> Parse(Stream stream, ref bool looksLikeDat)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var length = stream.Length;
        if (length >= 4 && reader.ReadUInt32() == 0x04034B50)
        {
            throw Problem(FormatErrorKind.UnknownFormat, "is a zip archive (a PyTorch checkpoint?), not a TorchSharp .dat file: convert it with clip-convert", 0);
        }
        stream.Position = 0;
        var count = ReadCount(reader, "entry count");
        var entries = new List<DatEntry>((int)Math.Min(count, 4096));
        for (long i = 0; i < count; i++)
        {
            var at = stream.Position;
            var name = ReadName(reader, i);
            var element = ReadCount(reader, $"element type of '{name}'") is var code && ElementTypes.TryGetValue(code, out var e)
                ? e
                : throw Problem(FormatErrorKind.Unsupported, $"'{name}': unknown element type {code}", at);
            looksLikeDat = true;
            var rank = ReadCount(reader, $"rank of '{name}'");
            if (rank > MaxRank)
            {
                throw Problem(FormatErrorKind.LimitExceeded, $"'{name}': rank {rank} is over the {MaxRank} dimensions any tensor has", at);
            }
            var shape = new long[rank];
            for (var d = 0; d < rank; d++)
            {
                shape[d] = ReadCount(reader, $"shape of '{name}'");
            }
            // ReadCount gives at most 63 bits, so a dimension is never negative; the products are checked.
            var bytes = TensorEntry.ByteCountOf(shape, element, new FormatPlace(Offset: at, Key: name));
            if (bytes > length - stream.Position)
            {
                throw Problem(FormatErrorKind.Truncated, $"'{name}': needs {bytes} bytes at byte {stream.Position} but the file ends at {length}", at);
            }
            entries.Add(new DatEntry(name, element, shape, stream.Position, bytes));
            stream.Seek(bytes, SeekOrigin.Current);
            // Every entry takes at least MinEntryBytes: a count the rest of the file cannot hold is refused at once.
            if (count - i - 1 > (length - stream.Position) / MinEntryBytes)
            {
                throw Problem(FormatErrorKind.Truncated, $"declares {count} entries, more than its {length} bytes can hold", 0);
            }
        }
        if (stream.Position != length)
        {
            throw Problem(FormatErrorKind.TrailingBytes, $"{length - stream.Position} unexpected bytes after the last entry", stream.Position);
        }
        return entries;
    }

    private static CheckpointFormatException Problem(FormatErrorKind kind, string what, long at) =>
        new(kind, what, new FormatPlace(Offset: at));

    // .NET's BinaryWriter.Write(string): a 7-bit-encoded byte length, then UTF-8.
    private static string ReadName(BinaryReader reader, long index)
    {
        var at = reader.BaseStream.Position;
        var byteLength = ReadCount(reader, $"name length of entry {index}");
        if (byteLength > MaxNameLength * 4)
        {
            throw Problem(FormatErrorKind.LimitExceeded, $"entry {index}: a name of {byteLength} bytes is over the {MaxNameLength * 4} allowed", at);
        }
        if (byteLength > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw Problem(FormatErrorKind.Truncated, $"entry {index}: the file ends inside its name", at);
        }
        var bytes = reader.ReadBytes((int)byteLength);
        var utf8 = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
        var name = utf8.GetString(bytes);
        if (name.Length == 0 || name.Length > MaxNameLength || name.Contains('\uFFFD') || name.Any(char.IsControl))
        {
            throw Problem(FormatErrorKind.BadHeader, $"entry {index} has no plausible name: not a TorchSharp .dat file?", at);
        }
        return name;
    }

    // ULEB128 of at most 63 bits, so never negative.
    private static long ReadCount(BinaryReader reader, string what)
    {
        var at = reader.BaseStream.Position;
        long value = 0;
        for (var shift = 0; shift < 63; shift += 7)
        {
            if (reader.BaseStream.Position >= reader.BaseStream.Length)
            {
                throw Problem(FormatErrorKind.Truncated, $"{what}: the file ends inside a number", at);
            }
            var b = reader.ReadByte();
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw Problem(FormatErrorKind.Overflow, $"{what}: a number longer than 63 bits", at);
    }
}
