using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Converter.Tests.Layouts;

/// <summary>
/// <see cref="TransposedBytes"/> against the definition (output element (j, i) is source element (i, j)), for every
/// element size, for the whole tensor and for ranges that start and end inside output rows, in order and out of it.
/// </summary>
public sealed class TransposedBytesTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 7, 3)]
    [InlineData(2, 33, 65)]
    [InlineData(4, 64, 31)]
    [InlineData(4, 1, 100)]
    [InlineData(4, 100, 1)]
    [InlineData(4, 67, 130)]
    [InlineData(4, 128, 64)]
    [InlineData(4, 5, 9)]
    [InlineData(8, 45, 70)]
    public void EveryRangeIsTheDefinitionsBytes(int elementSize, int rows, int cols)
    {
        var source = new byte[rows * cols * elementSize];
        new Random(rows * 1000 + cols).NextBytes(source);
        var expected = Naive(source, rows, cols, elementSize);
        var transposed = new TransposedBytes(new MemoryBytes(source), rows, cols, elementSize);

        var whole = new byte[source.Length];
        transposed.CopyTo(whole);
        Assert.Equal(expected, whole);

        // Consecutive chunks of many sizes, as a writer streams them (the source stays loaded between them).
        foreach (var chunkElements in new[] { 1, 3, rows, rows + 1, 97 })
        {
            var streamed = new byte[source.Length];
            for (var at = 0; at < streamed.Length; at += chunkElements * elementSize)
            {
                var n = Math.Min(chunkElements * elementSize, streamed.Length - at);
                transposed.CopyRange(at, streamed.AsSpan(at, n));
            }
            Assert.Equal(expected, streamed);
        }

        // Random ranges, in any order.
        var random = new Random(7);
        for (var k = 0; k < 50; k++)
        {
            var first = random.Next(rows * cols);
            var count = random.Next(rows * cols - first + 1);
            var part = new byte[count * elementSize];
            transposed.CopyRange((long)first * elementSize, part);
            Assert.Equal(expected.AsSpan(first * elementSize, part.Length).ToArray(), part);
        }
    }

    [Fact]
    public void RangesThatSplitAnElementAreRefused()
    {
        var transposed = new TransposedBytes(new MemoryBytes(new byte[4 * 6]), 2, 3, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => transposed.CopyRange(2, new byte[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => transposed.CopyRange(0, new byte[6]));
        Assert.Throws<ArgumentOutOfRangeException>(() => transposed.CopyRange(20, new byte[8]));
    }

    [Fact]
    public void ASourceThatOnlyProducesWholeTensorsIsReadOnce()
    {
        var source = new CountingBytes(Enumerable.Range(0, 2 * 3 * 2).Select(i => (byte)i).ToArray());
        var transposed = new TransposedBytes(source, 2, 3, 2);
        var output = new byte[12];
        for (var at = 0; at < 12; at += 2)
        {
            transposed.CopyRange(at, output.AsSpan(at, 2));
        }
        Assert.Equal(1, source.Reads);
        Assert.Equal(Naive(source.Bytes, 2, 3, 2), output);
    }

    private static byte[] Naive(byte[] source, int rows, int cols, int elementSize)
    {
        var result = new byte[source.Length];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < cols; j++)
            {
                Array.Copy(source, ((i * cols) + j) * elementSize, result, ((j * rows) + i) * elementSize, elementSize);
            }
        }
        return result;
    }

    private sealed class CountingBytes(byte[] bytes) : TensorBytes
    {
        public byte[] Bytes => bytes;

        public int Reads { get; private set; }

        public override void CopyTo(Span<byte> destination)
        {
            Reads++;
            bytes.CopyTo(destination);
        }
    }
}
