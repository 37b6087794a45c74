using System.Buffers;
using System.IO.Hashing;
using System.Runtime.ExceptionServices;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Reads a written file back with the reader that consumers use for that format (TorchSharp's <c>.dat</c> index
/// from <see cref="DatFile"/>, the converter's safetensors and Paddle readers) and describes every tensor the way
/// the writer did: name, dtype, shape, byte count, and the XXH3 checksum of the bytes the reader finds for it. So
/// one comparison proves that the consumer sees every tensor the writer meant, in order, at the bytes it wrote.
/// Each tensor's bytes are read once, in chunks (Paddle's reader too: its arrays are ranges of the file), by one of two
/// threads (<see cref="DescribeAll"/>).
/// </summary>
public static class OutputReadBack
{
    private const int ChunkBytes = 1 << 20;

    // Below this, a second thread costs more to start than it saves.
    private const long TwoThreadsFromBytes = 16 << 20;

    public static IReadOnlyList<WrittenTensor> Read(string path, OutputFormat format)
    {
        // The readers' tensor sets only hold this file open; it is closed here, after the last tensor is read.
        using var file = new CheckpointFile(path);
        var tensors = format switch
        {
            OutputFormat.Dat => DatEntries(file),
            OutputFormat.Safetensors => SafetensorsReader.Read(file).Tensors,
            OutputFormat.Pdparams => PaddleReader.Read(file).Tensors,
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        return DescribeAll(tensors);
    }

    /// <summary>
    /// Every tensor described, on two threads when there are two cores (the read-back runs after the hash thread is
    /// done, so the second core is free): each takes the next tensor not yet taken. A failure is the one the first
    /// failing tensor in file order gives, as if they were read one after another.
    /// </summary>
    private static List<WrittenTensor> DescribeAll(IReadOnlyList<TensorEntry> tensors)
    {
        var described = new WrittenTensor[tensors.Count];
        var failures = new ExceptionDispatchInfo?[tensors.Count];
        var next = -1;
        void Work()
        {
            for (int i; (i = Interlocked.Increment(ref next)) < tensors.Count;)
            {
                try
                {
                    described[i] = Describe(tensors[i]);
                }
                catch (Exception e)
                {
                    failures[i] = ExceptionDispatchInfo.Capture(e);
                }
            }
        }
        Thread? helper = null;
        if (Environment.ProcessorCount > 1 && tensors.Sum(t => t.ByteCount) >= TwoThreadsFromBytes)
        {
            helper = new Thread(Work) { IsBackground = true, Name = "output read-back" };
            helper.Start();
        }
        Work();
        helper?.Join();
        failures.FirstOrDefault(f => f is not null)?.Throw();
        return [.. described];
    }

    private static WrittenTensor Describe(TensorEntry t)
    {
        var checksum = new XxHash3();
        if (t.Bytes.HasRanges)
        {
            var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(t.ByteCount, ChunkBytes));
            try
            {
                for (long at = 0; at < t.ByteCount;)
                {
                    var n = (int)Math.Min(chunk.Length, t.ByteCount - at);
                    t.Bytes.CopyRange(at, chunk.AsSpan(0, n));
                    checksum.Append(chunk.AsSpan(0, n));
                    at += n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
        else
        {
            checksum.Append(t.ReadBytes());
        }
        return new WrittenTensor(t.Name, t.DType, t.Shape.ToArray(), t.ByteCount, Convert.ToHexStringLower(checksum.GetCurrentHash()));
    }

    /// <summary>The tensors TorchSharp's loader finds in a <c>.dat</c>: <see cref="DatFile"/>'s index over the file's bytes.</summary>
    private static List<TensorEntry> DatEntries(CheckpointFile file) => DatFile.ReadIndex(file.Path)
        .Select(e => new TensorEntry(e.Name, e.DType, e.Shape, new FileRangeBytes(file, e.Offset, new FormatPlace(Key: e.Name))))
        .ToList();
}
