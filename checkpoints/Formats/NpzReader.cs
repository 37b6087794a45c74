using System.Text;
using System.Text.RegularExpressions;
using ICSharpCode.SharpZipLib.Zip;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Reads numpy's <c>.npz</c> (a zip of <c>.npy</c> files, as <c>np.savez</c> writes): each entry is one array named by
/// its file name. Stored entries are read in place; compressed ones (<c>np.savez_compressed</c>) are inflated when read.
/// </summary>
public static partial class NpzReader
{
    private const int MaxHeaderBytes = 1 << 16;

    /// <summary>A zip whose every entry is a <c>.npy</c> file.</summary>
    public static bool IsNpz(CheckpointFile file)
    {
        try
        {
            using var zip = new ZipFile(file.OpenStream());
            var names = zip.Cast<ZipEntry>().Select(e => e.Name).ToList();
            return names.Count > 0 && names.All(n => n.EndsWith(".npy", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;  // a broken zip: the torch reader says what is wrong with it
        }
    }

    public static TensorSet Read(CheckpointFile file)
    {
        using var zip = new ZipFile(file.OpenStream());
        var tensors = new List<TensorEntry>();
        // Entries are all parsed here, so a damaged one is reported now, with its name, not when read.
        foreach (ZipEntry entry in zip)
        {
            var place = new FormatPlace(entry.Name);
            var stored = entry.CompressionMethod == CompressionMethod.Stored;
            byte[] content = stored ? ReadHead(file, entry, place) : Inflate(zip, entry, place);
            var (dtype, shape, dataOffset) = ParseNpy(content, place);
            var name = entry.Name[..^".npy".Length];
            var bytes = TensorEntry.ElementCountOf(shape) * dtype.Size();
            TensorBytes data = stored
                ? new FileRangeBytes(file, ZipStoredEntry.DataStart(file, entry, place) + dataOffset, place)
                : new MemoryBytes(content.AsMemory(dataOffset));
            var available = (stored ? entry.Size : content.Length) - dataOffset;
            if (bytes != available)
            {
                throw new CheckpointFormatException($"array of {dtype.Name()} [{string.Join(", ", shape)}] needs {bytes} bytes but the entry holds {available}", place);
            }
            tensors.Add(new TensorEntry(name, dtype, shape, data));
        }
        return new TensorSet(CheckpointFormat.Npz, "numpy .npz archive", tensors, [], new Dictionary<string, string>(), null, file);
    }

    /// <summary>The start of a stored entry, enough to hold any .npy header.</summary>
    private static byte[] ReadHead(CheckpointFile file, ZipEntry entry, FormatPlace place)
    {
        var start = ZipStoredEntry.DataStart(file, entry, place);
        return file.ReadBytes(start, Math.Min(entry.Size, MaxHeaderBytes + 12), place);
    }

    private static byte[] Inflate(ZipFile zip, ZipEntry entry, FormatPlace place)
    {
        if (entry.Size is < 0 or > int.MaxValue)
        {
            throw new CheckpointFormatException($"entry declares {entry.Size} bytes", place);
        }
        var content = new byte[entry.Size];
        try
        {
            using var stream = zip.GetInputStream(entry);
            stream.ReadExactly(content);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // SharpZipLib fails on damaged deflate data with whatever exception its decoder hits first.
            throw new CheckpointFormatException($"compressed entry cannot be inflated: {e.Message}", place);
        }
        return content;
    }

    /// <summary>Parses a .npy header: magic, version, header length, then a Python dict literal.</summary>
    private static (DType DType, long[] Shape, int DataOffset) ParseNpy(byte[] content, FormatPlace place)
    {
        if (content.Length < 10 || content[0] != 0x93 || Encoding.ASCII.GetString(content, 1, 5) != "NUMPY")
        {
            throw new CheckpointFormatException("not a .npy array (no \\x93NUMPY magic)", place with { Offset = 0 });
        }
        var major = content[6];
        var (lengthBytes, headerLength) = major switch
        {
            1 => (2, (int)BitConverter.ToUInt16(content, 8)),
            2 or 3 when content.Length >= 12 => (4, (int)Math.Min(BitConverter.ToUInt32(content, 8), int.MaxValue)),
            _ => throw new CheckpointFormatException($".npy version {major} is not supported", place with { Offset = 6 }),
        };
        var start = 8 + lengthBytes;
        if (headerLength > MaxHeaderBytes || start + headerLength > content.Length)
        {
            throw new CheckpointFormatException($".npy header of {headerLength} bytes does not fit the entry", place with { Offset = 8 });
        }
        var header = Encoding.Latin1.GetString(content, start, headerLength);
        var match = HeaderPattern().Match(header);
        if (!match.Success)
        {
            throw new CheckpointFormatException($".npy header is not a descr/fortran_order/shape dict: {header.Trim()}", place with { Offset = start });
        }
        var descr = match.Groups["descr"].Value;
        if (match.Groups["fortran"].Value == "True")
        {
            throw new CheckpointFormatException("Fortran-ordered arrays are not supported (save np.ascontiguousarray(x))", place);
        }
        if (descr[0] == '>' && descr[1..] is not ("u1" or "i1" or "b1"))
        {
            throw new CheckpointFormatException($"big-endian array '{descr}' is not supported", place);
        }
        var dtype = DTypeInfo.FromNumpyCode(descr.TrimStart('<', '|', '=', '>'))
            ?? throw new CheckpointFormatException($"numpy dtype '{descr}' is not supported", place);
        var shape = match.Groups["shape"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.TryParse(d, out var v) && v >= 0 ? v : throw new CheckpointFormatException($"bad dimension '{d}' in .npy shape", place))
            .ToArray();
        return (dtype, shape, start + headerLength);
    }

    [GeneratedRegex(@"^\{\s*'descr':\s*'(?<descr>[<>|=][a-z]\d+)',\s*'fortran_order':\s*(?<fortran>True|False),\s*'shape':\s*\((?<shape>[\d,\s]*)\),?\s*\}\s*$")]
    private static partial Regex HeaderPattern();
}
