using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Tests.Writers;

/// <summary>A writer holds one tensor at a time: what it allocates follows the largest tensor, not the model.</summary>
public sealed class StreamingTests
{
    private const int TensorBytes = 8 << 20;
    private const int TensorCount = 24;   // 192 MiB in all

    public static TheoryData<string> Formats() => ["dat", "safetensors", "pdparams"];

    [Theory]
    [MemberData(nameof(Formats))]
    public void AllocationFollowsTheLargestTensorNotTheModel(string format)
    {
        ITensorFileWriter writer = format switch
        {
            "dat" => new DatWriter(),
            "safetensors" => new SafetensorsWriter(),
            _ => new PdparamsWriter([]),
        };
        var tensors = Enumerable.Range(0, TensorCount)
            .Select(i => new TensorEntry($"layer{i}.weight", DType.Float32, [TensorBytes / 4 / 256, 256], new WriterTestData.PatternBytes((byte)i)))
            .ToList();
        using var sink = new CountingStream();

        var before = GC.GetAllocatedBytesForCurrentThread();
        writer.Write(sink, tensors);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(sink.Length > (long)TensorBytes * TensorCount);
        Assert.True(allocated < 2L * TensorBytes, $"{format}: allocated {allocated >> 20} MiB writing {TensorBytes * TensorCount >> 20} MiB");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void RangedSourcesAreStreamedInChunksNeverWhole(string format)
    {
        ITensorFileWriter writer = format switch
        {
            "dat" => new DatWriter(),
            "safetensors" => new SafetensorsWriter(),
            _ => new PdparamsWriter([]),
        };
        var tensors = Enumerable.Range(0, TensorCount)
            .Select(i => new TensorEntry($"layer{i}.weight", DType.Float32, [TensorBytes / 4 / 256, 256], new RangedPatternBytes((byte)i)))
            .ToList();
        using var sink = new CountingStream();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var written = writer.Write(sink, tensors);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(sink.Length > (long)TensorBytes * TensorCount);
        Assert.True(allocated < TensorStreamer.ChunkBytes * 2, $"{format}: allocated {allocated >> 10} KiB writing {TensorBytes * TensorCount >> 20} MiB");
        var whole = new byte[TensorBytes];
        new WriterTestData.PatternBytes(5).CopyTo(whole);
        Assert.Equal(TensorStreamer.Checksum(whole), written[5].Checksum);
    }

    /// <summary>The same pattern as <see cref="WriterTestData.PatternBytes"/>, readable in ranges.</summary>
    private sealed class RangedPatternBytes(byte seed) : Checkpoints.Formats.TensorBytes
    {
        public override void CopyTo(Span<byte> destination) => CopyRange(0, destination);

        public override bool HasRanges => true;

        public override void CopyRange(long start, Span<byte> destination)
        {
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = (byte)(seed + ((start + i) * 31));
            }
        }
    }

    /// <summary>Counts what is written and keeps none of it.</summary>
    private sealed class CountingStream : Stream
    {
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => length += buffer.Length;
    }
}
