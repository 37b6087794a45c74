using System.Buffers.Binary;
using System.Text;

namespace ClipTools.Checkpoints.Formats;

/// <summary>One entry of a zip central directory, with where its data lies in the file.</summary>
public sealed record ZipEntryInfo(string Name, ushort Method, long CompressedSize, long Size, long LocalHeaderOffset, long DataStart)
{
    public const ushort Stored = 0;
    public const ushort Deflated = 8;

    public bool IsStored => Method == Stored;
}

/// <summary>
/// Reads a zip archive's central directory (plain or zip64) ourselves, so that nothing is allocated from a count
/// or size before it is checked against the bytes that hold it: an entry count must fit the directory's size, every
/// entry's local header and data must lie inside the file before the directory, and no two entries may share bytes
/// (several entries over one deflate stream would inflate it again and again). Encrypted entries and methods other
/// than stored and deflate are refused. Nothing is ever extracted to disk.
/// </summary>
public sealed class ZipDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint End64Signature = 0x06064b50;
    private const uint End64LocatorSignature = 0x07064b50;
    private const uint CentralSignature = 0x02014b50;
    private const uint LocalSignature = 0x04034b50;
    private const int EndSize = 22;
    private const int CentralSize = 46;
    private const int LocalSize = 30;

    private ZipDirectory(List<ZipEntryInfo> entries)
    {
        Entries = entries;
        ByName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>Entries in directory order.</summary>
    public IReadOnlyList<ZipEntryInfo> Entries { get; }

    public IReadOnlyDictionary<string, ZipEntryInfo> ByName { get; }

    private static CheckpointFormatException Bad(string what, long? offset, FormatErrorKind kind = FormatErrorKind.BadZipDirectory) =>
        new(kind, $"bad zip directory: {what}", new FormatPlace(Offset: offset));

    public static ZipDirectory Read(CheckpointFile file)
    {
        var (end, count, cdSize, cdOffset) = FindEnd(file);
        if (cdOffset < 0 || cdSize < 0 || cdOffset > end || cdSize > end - cdOffset)
        {
            throw Bad($"central directory at {cdOffset} of {cdSize} bytes lies outside the {file.Length}-byte file", end);
        }
        // Refuse before allocating: every entry takes at least 46 bytes of the directory.
        if (count < 0 || count > cdSize / CentralSize)
        {
            throw Bad($"declares {count} entries in a {cdSize}-byte directory (at most {cdSize / CentralSize} fit)", end);
        }
        var cd = file.ReadBytes(cdOffset, cdSize, new FormatPlace(Offset: cdOffset));
        var entries = new List<ZipEntryInfo>((int)count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var at = 0;
        for (long i = 0; i < count; i++)
        {
            var entry = ReadCentral(file, cd, ref at, cdOffset, cdOffset);
            if (!names.Add(entry.Name))
            {
                throw new CheckpointFormatException(FormatErrorKind.DuplicateName, "two zip entries have the same name", new FormatPlace(entry.Name, cdOffset + at));
            }
            entries.Add(entry);
        }
        // No two entries may claim the same bytes: each [local header, end of data) is disjoint from the others.
        ZipEntryInfo? previous = null;
        foreach (var e in entries.OrderBy(e => e.LocalHeaderOffset))
        {
            if (previous is not null && e.LocalHeaderOffset < previous.DataStart + previous.CompressedSize)
            {
                throw new CheckpointFormatException(FormatErrorKind.OverlappingEntries, $"zip entry overlaps the bytes of entry '{previous.Name}'",
                    new FormatPlace(e.Name, e.LocalHeaderOffset));
            }
            previous = e;
        }
        return new ZipDirectory(entries);
    }

    private static (long End, long Count, long CdSize, long CdOffset) FindEnd(CheckpointFile file)
    {
        // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
        var tailLength = Math.Min(file.Length, EndSize + 0xffff);
        var tailStart = file.Length - tailLength;
        var tail = file.ReadBytes(tailStart, tailLength);
        var i = tail.Length - EndSize;
        while (i >= 0 && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) != EndSignature)
        {
            i--;
        }
        if (i < 0)
        {
            // The directory is at the end: a file cut short (an interrupted download or copy) loses it first.
            throw new CheckpointFormatException(
                FormatErrorKind.Truncated, $"truncated zip archive: the file ends after {file.Length} bytes without the zip's end-of-directory record (cut short, e.g. an interrupted download?)",
                new FormatPlace(Offset: file.Length));
        }
        var end = tailStart + i;
        var e = tail.AsSpan(i);
        if (BinaryPrimitives.ReadUInt16LittleEndian(e[4..]) is not (0 or 0xffff) || BinaryPrimitives.ReadUInt16LittleEndian(e[6..]) is not (0 or 0xffff))
        {
            throw Bad("multi-disk archives are not supported", end, FormatErrorKind.Unsupported);
        }
        long count = BinaryPrimitives.ReadUInt16LittleEndian(e[10..]);
        long cdSize = BinaryPrimitives.ReadUInt32LittleEndian(e[12..]);
        long cdOffset = BinaryPrimitives.ReadUInt32LittleEndian(e[16..]);
        // A zip64 locator just before the end record points at the zip64 end record, which holds the real values.
        var locator = end - 20;
        if (locator >= 0)
        {
            Span<byte> loc = stackalloc byte[20];
            file.ReadExactly(locator, loc);
            if (BinaryPrimitives.ReadUInt32LittleEndian(loc) == End64LocatorSignature)
            {
                var end64 = BinaryPrimitives.ReadInt64LittleEndian(loc[8..]);
                if (end64 < 0 || end64 > locator - 56)
                {
                    throw Bad($"zip64 end record at {end64} lies outside the file", locator);
                }
                Span<byte> r = stackalloc byte[56];
                file.ReadExactly(end64, r);
                if (BinaryPrimitives.ReadUInt32LittleEndian(r) != End64Signature)
                {
                    throw Bad("zip64 end record signature is wrong", end64);
                }
                count = BinaryPrimitives.ReadInt64LittleEndian(r[32..]);
                cdSize = BinaryPrimitives.ReadInt64LittleEndian(r[40..]);
                cdOffset = BinaryPrimitives.ReadInt64LittleEndian(r[48..]);
                return (end64, count, cdSize, cdOffset);
            }
        }
        return (end, count, cdSize, cdOffset);
    }

    private static ZipEntryInfo ReadCentral(CheckpointFile file, byte[] cd, ref int at, long cdOffset, long dataLimit)
    {
        var here = cdOffset + at;
        if (cd.Length - at < CentralSize || BinaryPrimitives.ReadUInt32LittleEndian(cd.AsSpan(at)) != CentralSignature)
        {
            throw Bad("central directory entry signature is wrong or the directory is short", here);
        }
        var h = cd.AsSpan(at, CentralSize);
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
        var method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
        long compressed = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
        int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
        long local = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
        if (cd.Length - at - CentralSize < nameLength + extraLength + commentLength)
        {
            throw Bad("central directory entry runs past the directory", here);
        }
        string name;
        try
        {
            name = new UTF8Encoding(false, true).GetString(cd, at + CentralSize, nameLength);
        }
        catch (DecoderFallbackException)
        {
            throw Bad("entry name is not valid UTF-8", here);
        }
        var place = new FormatPlace(name, here);
        ReadZip64Extra(cd.AsSpan(at + CentralSize + nameLength, extraLength), ref size, ref compressed, ref local, place);
        at += CentralSize + nameLength + extraLength + commentLength;
        if ((flags & 1) != 0)
        {
            throw new CheckpointFormatException(FormatErrorKind.Unsupported, "zip entry is encrypted", place);
        }
        if (method is not (ZipEntryInfo.Stored or ZipEntryInfo.Deflated))
        {
            throw new CheckpointFormatException(FormatErrorKind.Unsupported, $"zip compression method {method} is not supported (only stored and deflate)", place);
        }
        if (method == ZipEntryInfo.Stored && compressed != size)
        {
            throw Bad($"stored entry has {compressed} bytes but declares {size}", here, FormatErrorKind.SizeMismatch);
        }
        if (local < 0 || local > dataLimit - LocalSize)
        {
            throw Bad($"local header at {local} lies outside the entries' {dataLimit} bytes", here, FormatErrorKind.OutOfBounds);
        }
        Span<byte> lh = stackalloc byte[LocalSize];
        file.ReadExactly(local, lh, place with { Offset = local });
        if (BinaryPrimitives.ReadUInt32LittleEndian(lh) != LocalSignature)
        {
            throw Bad("local header signature is wrong", local);
        }
        // The local header's extra field (PyTorch pads it for alignment) can differ from the central directory's.
        var dataStart = local + LocalSize + BinaryPrimitives.ReadUInt16LittleEndian(lh[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(lh[28..]);
        if (compressed < 0 || size < 0 || dataStart > dataLimit || compressed > dataLimit - dataStart)
        {
            throw new CheckpointFormatException(FormatErrorKind.OutOfBounds, $"entry declares {compressed} bytes past the end of its data ({dataLimit})", place with { Offset = dataStart });
        }
        return new ZipEntryInfo(name, method, compressed, size, local, dataStart);
    }

    // Zip64 extended information (header 0x0001): the 64-bit values of the fields that hold 0xFFFFFFFF, in order.
    private static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref long size, ref long compressed, ref long local, FormatPlace place)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (length > extra.Length - 4)
            {
                throw new CheckpointFormatException(FormatErrorKind.BadZipDirectory, "bad zip directory: extra field runs past its entry", place);
            }
            var data = extra.Slice(4, length);
            if (id == 1)
            {
                var p = 0;
                long Next(ReadOnlySpan<byte> d)
                {
                    if (d.Length - p < 8)
                    {
                        throw new CheckpointFormatException(FormatErrorKind.BadZipDirectory, "bad zip directory: zip64 extra field is short", place);
                    }
                    var v = BinaryPrimitives.ReadInt64LittleEndian(d[p..]);
                    p += 8;
                    return v;
                }
                if (size == 0xffffffff)
                {
                    size = Next(data);
                }
                if (compressed == 0xffffffff)
                {
                    compressed = Next(data);
                }
                if (local == 0xffffffff)
                {
                    local = Next(data);
                }
            }
            extra = extra[(4 + length)..];
        }
    }
}
