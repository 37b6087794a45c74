using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace ClipTools.Converter.Writers;

/// <summary>
/// The output side of a conversion, on two threads: the writer fills 1 MiB blocks (directly, through
/// <see cref="IBufferWriter{T}"/>, or by <see cref="Write(ReadOnlySpan{byte})"/>), and a second thread computes the
/// SHA-256 of the whole file from those same blocks, so the hash costs no extra pass. Each full block is written to
/// the file (a positioned write at its own offset) by whichever thread has time for it: the writer's when the hash
/// lags behind (SHA-256 alone is about as much CPU as reading, converting and writing a dtype-widened model), the hash
/// thread's when it is waiting for blocks (a conversion that transposes is slower to produce them). At most
/// <see cref="Depth"/> blocks wait, so memory stays bounded; hashed blocks come back to the writer for reuse, so a
/// conversion of any size allocates a few blocks, once.
/// </summary>
public sealed class HashingPipeline : Stream, IBufferWriter<byte>
{
    public const int BlockBytes = 1 << 20;
    private const int Depth = 6;

    // The hash thread takes a block's write too when no more than this many blocks wait for it.
    private const int HashThreadWritesUpTo = 1;

    private readonly SafeFileHandle file;
    private readonly Action<long>? written;
    private readonly BlockingCollection<Pending> queue = new(Depth);
    private readonly ConcurrentQueue<byte[]> free = new();

    // Where each block still to be written by the hash thread starts, oldest first.
    private readonly ConcurrentQueue<long> unwritten = new();
    private readonly IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Thread hasher;
    private byte[] current = NewBlock();
    private int used;
    private long length;
    private long sent;
    private volatile Exception? failure;
    private bool completed;

    /// <param name="file">The file the blocks go to, from its start (opened for writing, empty).</param>
    /// <param name="written">Told, from the writer's thread, how many bytes from the file's start are written (<see cref="DiskWriteback"/>).</param>
    public HashingPipeline(SafeFileHandle file, Action<long>? written = null)
    {
        this.file = file;
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
        ThrowIfFailed();
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
        ThrowIfFailed();
        if (used == 0)
        {
            return;
        }
        var here = queue.Count > HashThreadWritesUpTo;
        if (here)
        {
            Write(current, used, sent);
        }
        else
        {
            unwritten.Enqueue(sent);
        }
        queue.Add(new Pending(current, used, sent, Written: here));
        sent += used;
        written?.Invoke(unwritten.TryPeek(out var oldest) ? oldest : sent);
        current = free.TryDequeue(out var block) ? block : NewBlock();
        used = 0;
    }

    private void Write(byte[] block, int n, long offset)
    {
        try
        {
            RandomAccess.Write(file, block.AsSpan(0, n), offset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"writing the output failed: {e.Message}", e);
        }
    }

    private void ThrowIfFailed()
    {
        if (failure is IOException io)
        {
            throw new IOException(io.Message, io);
        }
        if (failure is not null)
        {
            throw new IOException($"hashing the output failed: {failure.Message}", failure);
        }
    }

    private static byte[] NewBlock() => GC.AllocateUninitializedArray<byte>(BlockBytes);

    private void Hash()
    {
        foreach (var pending in queue.GetConsumingEnumerable())
        {
            try
            {
                if (failure is null)
                {
                    if (!pending.Written)
                    {
                        Write(pending.Block, pending.Length, pending.Offset);
                    }
                    sha.AppendData(pending.Block, 0, pending.Length);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                if (!pending.Written)
                {
                    unwritten.TryDequeue(out _);
                }
                free.Enqueue(pending.Block);
            }
        }
    }

    /// <summary>A full block on its way to the hash thread, and whether the writer already wrote it.</summary>
    private readonly record struct Pending(byte[] Block, int Length, long Offset, bool Written);
}
