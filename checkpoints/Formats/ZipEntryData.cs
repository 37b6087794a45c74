using System.IO.Compression;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// The bytes of one zip entry, read in place (stored) or inflated as a stream (deflate): an entry is never inflated
/// to memory whole unless its declared size has been charged to the file's budget first, and an entry whose stream
/// inflates to more or fewer bytes than it declares is refused.
/// </summary>
public static class ZipEntryData
{
    /// <summary>The whole entry in memory (pickles, code, small headers), at most <paramref name="maxBytes"/>.</summary>
    public static byte[] ReadAll(CheckpointFile file, ZipEntryInfo entry, long maxBytes)
    {
        var place = new FormatPlace(entry.Name);
        if (entry.Size > maxBytes)
        {
            throw new CheckpointFormatException(FormatErrorKind.BudgetExceeded, $"entry declares {entry.Size} bytes, more than the {maxBytes} allowed", place);
        }
        file.Budget.ChargeBytes(entry.Size, "zip entry", place);
        var bytes = new byte[entry.Size];
        CopyTo(file, entry, 0, bytes);
        return bytes;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the entry's bytes from <paramref name="skip"/> on; for a compressed
    /// entry the skipped part is inflated and dropped, so memory is the destination only.
    /// </summary>
    public static void CopyTo(CheckpointFile file, ZipEntryInfo entry, long skip, Span<byte> destination)
    {
        var place = new FormatPlace(entry.Name);
        if (skip < 0 || skip > entry.Size || destination.Length > entry.Size - skip)
        {
            throw new CheckpointFormatException(FormatErrorKind.OutOfBounds, $"bytes {skip}..{skip + destination.Length} asked of an entry of {entry.Size}", place);
        }
        if (entry.IsStored)
        {
            file.ReadExactly(entry.DataStart + skip, destination, place with { Offset = entry.DataStart + skip });
            return;
        }
        try
        {
            using var inflater = new DeflateStream(new FileRangeStream(file, entry.DataStart, entry.CompressedSize), CompressionMode.Decompress);
            Span<byte> scratch = stackalloc byte[4096];
            while (skip > 0)
            {
                var n = inflater.Read(scratch[..(int)Math.Min(skip, scratch.Length)]);
                if (n == 0)
                {
                    throw ShortStream(entry, place);
                }
                skip -= n;
            }
            while (destination.Length > 0)
            {
                var n = inflater.Read(destination);
                if (n == 0)
                {
                    throw ShortStream(entry, place);
                }
                destination = destination[n..];
            }
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadCompression, $"compressed entry cannot be inflated: {e.Message}", place);
        }
    }

    private static CheckpointFormatException ShortStream(ZipEntryInfo entry, FormatPlace place) =>
        new(FormatErrorKind.BadCompression, $"compressed entry inflates to fewer than the {entry.Size} bytes it declares", place);

    /// <summary>A read-only stream over a byte range of the file, for the inflater.</summary>
    private sealed class FileRangeStream(CheckpointFile file, long start, long length) : Stream
    {
        private long position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - position);
            if (n <= 0)
            {
                return 0;
            }
            file.ReadExactly(start + position, buffer[..n]);
            position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
