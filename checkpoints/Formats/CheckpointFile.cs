using Microsoft.Win32.SafeHandles;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// A checkpoint opened for positioned reads: tensors are read in place, one at a time, so a large file never has
/// to fit in memory. Every read is checked against the file's length first.
/// </summary>
public sealed class CheckpointFile : IDisposable
{
    private readonly SafeFileHandle handle;

    public CheckpointFile(string path)
    {
        Path = path;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            Length = RandomAccess.GetLength(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(FormatErrorKind.CannotOpen, $"cannot open file: {e.Message}");
        }
        Budget = new ReadBudget(Length, ReadBudget.Scale);
    }

    public string Path { get; }

    /// <summary>
    /// The tensors of any checkpoint the converter reads, format detected from the bytes: names as the file has
    /// them, dtypes, shapes, and bytes read in place when asked for. Dispose the set to close the file.
    /// </summary>
    public static TensorSet Read(string path) => FormatDetector.Open(path);

    public long Length { get; }

    /// <summary>What reading this file may cost; every reader charges it.</summary>
    public ReadBudget Budget { get; }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; a short file is an error.</summary>
    public void ReadExactly(long offset, Span<byte> destination, FormatPlace? place = null)
    {
        if (offset < 0 || offset > Length || destination.Length > Length - offset)
        {
            throw new CheckpointFormatException(
                FormatErrorKind.Truncated, $"file is truncated: needs bytes {offset}..{offset + destination.Length} but has {Length}",
                place ?? new FormatPlace(Offset: offset));
        }
        while (destination.Length > 0)
        {
            var n = RandomAccess.Read(handle, destination, offset);
            if (n <= 0)
            {
                throw new CheckpointFormatException(FormatErrorKind.Truncated, "file ended while reading", place ?? new FormatPlace(Offset: offset));
            }
            destination = destination[n..];
            offset += n;
        }
    }

    public byte[] ReadBytes(long offset, long count, FormatPlace? place = null)
    {
        if (count < 0 || count > Array.MaxLength || offset < 0 || count > Length - offset)
        {
            throw new CheckpointFormatException(count < 0 || offset < 0 ? FormatErrorKind.NegativeSize : FormatErrorKind.Truncated, $"cannot read {count} bytes at byte {offset} of a {Length}-byte file", place ?? new FormatPlace(Offset: offset));
        }
        Budget.ChargeBytes(count, "reading", place ?? new FormatPlace(Offset: offset));
        var buffer = new byte[count];
        ReadExactly(offset, buffer, place);
        return buffer;
    }

    /// <summary>A read-only stream over the whole file, for libraries that want one (the zip directory).</summary>
    public Stream OpenStream() => new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);

    public void Dispose() => handle.Dispose();
}
