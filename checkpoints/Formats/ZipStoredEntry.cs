using System.Buffers.Binary;
using ICSharpCode.SharpZipLib.Zip;

namespace ClipTools.Checkpoints.Formats;

/// <summary>Locates the bytes of an uncompressed zip entry inside the file, so they can be read in place.</summary>
internal static class ZipStoredEntry
{
    /// <summary>Offset of the entry's first data byte, checked to lie within the file with all its bytes.</summary>
    public static long DataStart(CheckpointFile file, ZipEntry entry, FormatPlace place)
    {
        if (entry.CompressionMethod != CompressionMethod.Stored)
        {
            throw new CheckpointFormatException("entry is compressed where stored bytes were expected", place);
        }
        // The local header's extra field (PyTorch pads it for alignment) can differ from the central directory's.
        Span<byte> header = stackalloc byte[30];
        file.ReadExactly(entry.Offset, header, place with { Offset = entry.Offset });
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != 0x04034b50)
        {
            throw new CheckpointFormatException("zip local header signature is wrong", place with { Offset = entry.Offset });
        }
        var dataStart = entry.Offset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(header[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        if (entry.Size < 0 || dataStart + entry.Size > file.Length)
        {
            throw new CheckpointFormatException($"entry declares {entry.Size} bytes past the end of the file ({file.Length} bytes)", place with { Offset = dataStart });
        }
        return dataStart;
    }
}
