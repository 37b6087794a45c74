using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Tests.Writers;

/// <summary>
/// The Paddle reader leaves large numpy payloads in the file (<see cref="PickleSkeleton"/>): those arrays are file
/// ranges with the written bytes, small ones stay inline, and errors name places in the file, not in the skeleton.
/// </summary>
public sealed class PaddleStreamingTests : IDisposable
{
    private readonly ScratchDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void LargeArraysAreFileRangesWithTheWrittenBytes()
    {
        var tensors = new List<TensorEntry>
        {
            WriterTestData.InMemory("small", DType.Float32, [3, 5], seed: 1),
            WriterTestData.InMemory("large", DType.Float32, [300, 70], seed: 2),
            WriterTestData.InMemory("also_small", DType.Int64, [4], seed: 3),
            WriterTestData.InMemory("huge", DType.Float16, [512, 1024], seed: 4),
        };
        var path = OutputFile.Write(scratch.File("big.pdparams"), new PdparamsWriter(), tensors).Path;

        using var file = new CheckpointFile(path);
        var read = PaddleReader.Read(file).Tensors;
        Assert.Equal(tensors.Select(t => t.Name), read.Select(t => t.Name));
        foreach (var (wrote, back) in tensors.Zip(read))
        {
            Assert.Equal(wrote.DType, back.DType);
            Assert.Equal(wrote.Shape, back.Shape);
            Assert.Equal(wrote.ReadBytes(), back.ReadBytes());
            Assert.Equal(wrote.ByteCount >= PickleSkeleton.MinPayload, back.Bytes is FileRangeBytes);
        }
    }

    [Fact]
    public void AnErrorAfterALargePayloadNamesItsByteInTheFile()
    {
        var path = OutputFile.Write(scratch.File("bad.pdparams"), new PdparamsWriter(),
            [WriterTestData.InMemory("large", DType.Float32, [256, 64], seed: 5)]).Path;
        var bytes = File.ReadAllBytes(path);
        Assert.Equal((byte)'.', bytes[^1]);
        bytes[^1] = 0xff; // an invalid opcode where STOP was
        File.WriteAllBytes(path, bytes);

        using var file = new CheckpointFile(path);
        var error = Assert.Throws<CheckpointFormatException>(() => PaddleReader.Read(file));
        Assert.Contains("invalid pickle opcode 0xff", error.What);
        Assert.Equal(bytes.Length - 1, error.Where.Offset);
    }

    [Fact]
    public void APayloadCutShortIsTruncated()
    {
        var path = OutputFile.Write(scratch.File("cut.pdparams"), new PdparamsWriter(),
            [WriterTestData.InMemory("large", DType.Float32, [256, 64], seed: 6)]).Path;
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        using var file = new CheckpointFile(path);
        var error = Assert.Throws<CheckpointFormatException>(() => PaddleReader.Read(file));
        Assert.Equal(FormatErrorKind.Truncated, error.Kind);
    }
}
