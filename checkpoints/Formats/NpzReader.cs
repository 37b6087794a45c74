using System.Text;
using System.Text.RegularExpressions;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Reads numpy's <c>.npz</c> (a zip of <c>.npy</c> files, as <c>np.savez</c> writes): each entry is one array named by
/// its file name. Stored entries are read in place; compressed ones (<c>np.savez_compressed</c>) are inflated as a stream when read.
/// Fortran-ordered arrays (<c>fortran_order: True</c>) are accepted as numpy accepts them and produced row-major.
/// </summary>
public static partial class NpzReader
{
    private const int MaxHeaderBytes = 1 << 16;

    /// <summary>A zip whose every entry is a <c>.npy</c> file.</summary>
    public static bool IsNpz(ZipDirectory zip) =>
        zip.Entries.Count > 0 && zip.Entries.All(e => e.Name.EndsWith(".npy", StringComparison.Ordinal));

    public static TensorSet Read(CheckpointFile file) => Read(file, ZipDirectory.Read(file));

    public static TensorSet Read(CheckpointFile file, ZipDirectory zip)
    {
        var tensors = new List<TensorEntry>();
        // Headers are all parsed here, so a damaged one is reported now, with its name; the data is read (inflated
        // as a stream for np.savez_compressed) only when the tensor is asked for.
        foreach (var entry in zip.Entries)
        {
            var place = new FormatPlace(entry.Name);
            var head = new byte[Math.Min(entry.Size, MaxHeaderBytes + 12)];
            ZipEntryData.CopyTo(file, entry, 0, head);
            var (dtype, shape, dataOffset, fortran) = ParseNpy(head, place);
            var name = entry.Name[..^".npy".Length];
            var bytes = TensorEntry.ByteCountOf(shape, dtype, place);
            var available = entry.Size - dataOffset;
            if (bytes != available)
            {
                throw new CheckpointFormatException(FormatErrorKind.SizeMismatch, $"array of {dtype.Name()} [{string.Join(", ", shape)}] needs {bytes} bytes but the entry holds {available}", place);
            }
            TensorBytes data = entry.IsStored
                ? new FileRangeBytes(file, entry.DataStart + dataOffset, place)
                : new InflatedBytes(file, entry, dataOffset);
            tensors.Add(new TensorEntry(name, dtype, shape, fortran ? ColumnMajor(data, shape, dtype) : data));
        }
        return new TensorSet(CheckpointFormat.Npz, "numpy .npz archive", tensors, [], new Dictionary<string, string>(), null, file);
    }

    /// <summary>A compressed entry's array, inflated straight into the destination when read.</summary>
    private sealed class InflatedBytes(CheckpointFile file, ZipEntryInfo entry, long skip) : TensorBytes
    {
        public override void CopyTo(Span<byte> destination) => ZipEntryData.CopyTo(file, entry, skip, destination);
    }

    /// <summary>Parses a .npy header: magic, version, header length, then a Python dict literal.</summary>
    /// <summary>
    /// A Fortran-ordered array (what <c>np.save</c> writes for a transposed array) holds the same values column-major:
    /// element (i, j, ...) is at i + j d0 + ...; gathered into C order when read. Rank 0 and 1 are the same either way.
    /// </summary>
    private static TensorBytes ColumnMajor(TensorBytes data, long[] shape, DType dtype)
    {
        var count = TensorEntry.ElementCountOf(shape);
        if (shape.Length < 2 || count == 0)
        {
            return data;
        }
        var strides = new long[shape.Length];
        long stride = 1;
        for (var d = 0; d < shape.Length; d++)
        {
            strides[d] = stride;
            stride *= shape[d];
        }
        return new StridedBytes(data, count, dtype.Size(), 0, shape, strides);
    }

    private static (DType DType, long[] Shape, int DataOffset, bool Fortran) ParseNpy(byte[] content, FormatPlace place)
    {
        if (content.Length < 10 || content[0] != 0x93 || Encoding.ASCII.GetString(content, 1, 5) != "NUMPY")
        {
            throw new CheckpointFormatException(FormatErrorKind.BadHeader, "not a .npy array (no \\x93NUMPY magic)", place with { Offset = 0 });
        }
        var major = content[6];
        var (lengthBytes, headerLength) = major switch
        {
            1 => (2, (int)BitConverter.ToUInt16(content, 8)),
            2 or 3 when content.Length >= 12 => (4, (int)Math.Min(BitConverter.ToUInt32(content, 8), int.MaxValue)),
            _ => throw new CheckpointFormatException(FormatErrorKind.Unsupported, $".npy version {major} is not supported", place with { Offset = 6 }),
        };
        var start = 8 + lengthBytes;
        if (headerLength > MaxHeaderBytes || start + headerLength > content.Length)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadHeader, $".npy header of {headerLength} bytes does not fit the entry", place with { Offset = 8 });
        }
        var header = Encoding.Latin1.GetString(content, start, headerLength);
        var match = HeaderPattern().Match(header);
        if (!match.Success)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadHeader, $".npy header is not a descr/fortran_order/shape dict: {header.Trim()}", place with { Offset = start });
        }
        var descr = match.Groups["descr"].Value;
        if (descr[0] == '>' && descr[1..] is not ("u1" or "i1" or "b1"))
        {
            throw new CheckpointFormatException(FormatErrorKind.Unsupported, $"big-endian array '{descr}' is not supported", place);
        }
        var dtype = DTypeInfo.FromNumpyCode(descr.TrimStart('<', '|', '=', '>'))
            ?? throw new CheckpointFormatException(FormatErrorKind.Unsupported, $"numpy dtype '{descr}' is not supported", place);
        var shape = match.Groups["shape"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.TryParse(d, out var v) && v >= 0 ? v : throw new CheckpointFormatException(FormatErrorKind.Overflow, $"bad dimension '{d}' in .npy shape", place))
            .ToArray();
        return (dtype, shape, start + headerLength, match.Groups["fortran"].Value == "True");
    }

    [GeneratedRegex(@"^\{\s*'descr':\s*'(?<descr>[<>|=][a-z]\d+)',\s*'fortran_order':\s*(?<fortran>True|False),\s*'shape':\s*\((?<shape>[\d,\s]*)\),?\s*\}\s*$")]
    private static partial Regex HeaderPattern();
}
