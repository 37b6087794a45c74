using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ClipTools.Converter.Writers;

/// <summary>
/// The output side of a conversion: the writer fills 1 MiB blocks (directly, through <see cref="IBufferWriter{T}"/>,
/// or by <see cref="Write(ReadOnlySpan{byte})"/>); each full block is written to the sink on the writer's own thread
/// and then handed to a second thread that computes the SHA-256 of the whole file from those same blocks. So the hash
/// costs no extra pass, and the two threads share the work about evenly (SHA-256 alone is about as much CPU as
/// reading, converting and writing together). At most <see cref="Depth"/> blocks wait for the hash, so memory stays
/// bounded; hashed blocks come back to the writer for reuse, so a conversion of any size allocates a few blocks, once.
/// </summary>
public sealed class HashingPipeline : Stream, IBufferWriter<byte>
{
    public const int BlockBytes = 1 << 20;
    private const int Depth = 6;

    private readonly Stream sink;
    private readonly Action<long>? written;
    private readonly BlockingCollection<(byte[] Block, int Length)> queue = new(Depth);
    private readonly ConcurrentQueue<byte[]> free = new();
    private readonly IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Thread hasher;
    private byte[] current = NewBlock();
    private int used;
    private long length;
    private long sent;
    private volatile Exception? failure;
    private bool completed;

    /// <param name="sink">Where the blocks go, in order, on the writer's thread.</param>
    /// <param name="written">Told the total bytes the sink has taken after each block (<see cref="DiskWriteback"/>).</param>
    public HashingPipeline(Stream sink, Action<long>? written = null)
    {
        this.sink = sink;
        this.written = written;
        hasher = new Thread(Hash) { IsBackground = true, Name = "output hash" };
        hasher.Start();
    }

    /// <summary>Writes the last block, waits for the hash, and gives the total length and SHA-256 (hex).</summary>
    public (long Length, string Sha256) Complete()
    {
        Send();
        completed = true;
        queue.CompleteAdding();
        hasher.Join();
        if (failure is not null)
        {
            throw new IOException($"hashing the output failed: {failure.Message}", failure);
        }
        return (length, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        if (sizeHint > BlockBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeHint), $"at most {BlockBytes} bytes at a time");
        }
        if (BlockBytes - used < Math.Max(sizeHint, 1))
        {
            Send();
        }
        return current.AsSpan(used, BlockBytes - used);
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        GetSpan(sizeHint);
        return current.AsMemory(used, BlockBytes - used);
    }

    public void Advance(int count)
    {
        used += count;
        length += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var span = GetSpan(1);
            var n = Math.Min(span.Length, buffer.Length);
            buffer[..n].CopyTo(span);
            Advance(n);
            buffer = buffer[n..];
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Blocks go out when full or at <see cref="Complete"/>; a flush changes nothing.</summary>
    public override void Flush()
    {
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => length;

    public override long Position { get => length; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !completed)
        {
            // Abandoned (the conversion failed): let the hasher finish what it has, then stop it.
            completed = true;
            queue.CompleteAdding();
            hasher.Join();
        }
        if (disposing)
        {
            sha.Dispose();
            queue.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Send()
    {
        if (used == 0)
        {
            return;
        }
        try
        {
            sink.Write(current, 0, used);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"writing the output failed: {e.Message}", e);
        }
        sent += used;
        written?.Invoke(sent);
        queue.Add((current, used));
        current = free.TryDequeue(out var block) ? block : NewBlock();
        used = 0;
    }

    private static byte[] NewBlock() => GC.AllocateUninitializedArray<byte>(BlockBytes);

    private void Hash()
    {
        foreach (var (block, n) in queue.GetConsumingEnumerable())
        {
            try
            {
                if (failure is null)
                {
                    sha.AppendData(block, 0, n);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                free.Enqueue(block);
            }
        }
    }
}
