namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Tells the format from the first bytes, never from the file name, then hands the file to that format's reader.
/// A zip archive is told apart further (state dict or TorchScript) by its entries, in <see cref="TorchZipReader"/>.
/// </summary>
public static class FormatDetector
{
    // torch.save's legacy stream starts with the pickled magic number 0x1950a86a20f9469cfc6c (protocol 2, LONG1).
    private static readonly byte[] LegacyMagic =
        [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    private static readonly byte[] ZipLocalHeader = [0x50, 0x4b, 0x03, 0x04];

    private static readonly byte[] EmptyZip = [0x50, 0x4b, 0x05, 0x06];

    public enum Kind
    {
        Zip,
        TorchLegacy,
        Pickle,
        Safetensors,
        TorchSharpDat,
    }

    /// <summary>
    /// The format of a whole file: magic bytes first; a TorchSharp <c>.dat</c>, which has none, is recognised by
    /// its structure accounting for every byte (before the two-byte pickle test, which a <c>.dat</c> of 256 entries
    /// would otherwise pass).
    /// </summary>
    public static Kind Detect(CheckpointFile file)
    {
        Span<byte> head = stackalloc byte[16];
        head = head[..(int)Math.Min(16, file.Length)];
        file.ReadExactly(0, head);
        if (head.StartsWith(ZipLocalHeader) || head.StartsWith(EmptyZip) || head.StartsWith(LegacyMagic)
            || (head.Length >= 9 && head[8] == (byte)'{'))
        {
            return Detect(head, file.Length);
        }
        using var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var dat = DatFile.Check(stream);
        if (head.Length > 0 && dat is null)
        {
            return Kind.TorchSharpDat;
        }
        try
        {
            return Detect(head, file.Length);
        }
        catch (CheckpointFormatException e) when (e.Kind == FormatErrorKind.UnknownFormat && dat is { LooksLikeDat: true })
        {
            // No magic, but a .dat's first entry reads well: what breaks the .dat says more than "unknown format".
            throw new CheckpointFormatException(dat.Value.Problem.Kind, $"TorchSharp .dat: {dat.Value.Problem.What}", dat.Value.Problem.Where);
        }
    }

    public static Kind Detect(ReadOnlySpan<byte> head, long fileLength)
    {
        if (head.StartsWith(ZipLocalHeader) || head.StartsWith(EmptyZip))
        {
            return Kind.Zip;
        }
        if (head.StartsWith(LegacyMagic))
        {
            return Kind.TorchLegacy;
        }
        // A pickle starts with PROTO n (protocol 2 and later, as paddle.save writes).
        if (head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5)
        {
            return Kind.Pickle;
        }
        // safetensors: an 8-byte little-endian header length, then a JSON object.
        if (head.Length >= 9 && head[8] == (byte)'{')
        {
            var headerLength = BitConverter.ToUInt64(head[..8]);
            if (headerLength <= (ulong)(fileLength - 8))
            {
                return Kind.Safetensors;
            }
            throw new CheckpointFormatException(
                FormatErrorKind.Truncated, $"safetensors header declares {headerLength} bytes but the file has {fileLength - 8} after the length",
                new FormatPlace(Offset: 0));
        }
        if (head.Length == 0)
        {
            throw new CheckpointFormatException(FormatErrorKind.UnknownFormat, "file is empty");
        }
        throw new CheckpointFormatException(
            FormatErrorKind.UnknownFormat, $"unknown format: first bytes {Convert.ToHexString(head[..Math.Min(8, head.Length)])} are not a zip archive, a "
            + "PyTorch legacy file, a pickle or a safetensors header, and the file is not a TorchSharp .dat",
            new FormatPlace(Offset: 0));
    }

    // One directory read decides between .npz (every entry a .npy) and a PyTorch archive, and serves the reader.
    private static TensorSet ReadZip(CheckpointFile file)
    {
        var zip = ZipDirectory.Read(file);
        return NpzReader.IsNpz(zip) ? NpzReader.Read(file, zip) : TorchZipReader.Read(file, zip);
    }

    /// <summary>Opens a checkpoint with the reader its bytes call for.</summary>
    public static TensorSet Open(string path)
    {
        var file = new CheckpointFile(path);
        try
        {
            return Detect(file) switch
            {
                Kind.Zip => ReadZip(file),
                Kind.TorchLegacy => LegacyTorchReader.Read(file),
                Kind.Pickle => PaddleReader.Read(file),
                Kind.Safetensors => SafetensorsReader.Read(file),
                Kind.TorchSharpDat => DatFile.Read(file),
                _ => throw new InvalidOperationException(),
            };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
