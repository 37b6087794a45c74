using System.Security.Cryptography;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Tests.Writers;

/// <summary>
/// <see cref="OutputFile"/> leaves either a complete, verified file or nothing: no half-written destination and no
/// temporary file, whatever fails.
/// </summary>
public sealed class OutputFileTests : IDisposable
{
    private readonly ScratchDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    public static TheoryData<string> Writers() => ["out.dat", "out.safetensors", "out.pdparams"];

    private static ITensorFileWriter WriterFor(string file) => OutputFormats.FromPath(file) switch
    {
        OutputFormat.Dat => new DatWriter(),
        OutputFormat.Safetensors => new SafetensorsWriter(),
        OutputFormat.Pdparams => new PdparamsWriter([KeyValuePair.Create("a", "param_0")]),
        _ => throw new ArgumentException(file),
    };

    private static List<TensorEntry> SomeTensors() =>
    [
        WriterTestData.InMemory("a", DType.Float32, [4, 5], 1),
        WriterTestData.InMemory("b", DType.Int64, [], 2),
        WriterTestData.InMemory("c", DType.Float16, [70_000], 3),   // over 64 KiB: outside any pickle frame
    ];

    [Theory]
    [MemberData(nameof(Writers))]
    public void ACompleteOutputIsRenamedIntoPlaceWithItsHash(string file)
    {
        var summary = OutputFile.Write(scratch.File(file), WriterFor(file), SomeTensors());

        Assert.Equal([file], scratch.Entries());
        Assert.Equal(scratch.File(file), summary.Path);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(summary.Path))), summary.Sha256);
        Assert.Equal(new FileInfo(summary.Path).Length, summary.FileBytes);
        Assert.Equal(3, summary.TensorCount);
        Assert.Equal(80 + 8 + 140_000, summary.TensorBytes);
        Assert.Equal(SomeTensors().Select(t => TensorStreamer.Checksum(t.ReadBytes())), summary.Tensors.Select(t => t.Checksum));
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void AWriterFailingMidwayLeavesNoFileAndKeepsTheOldOne(string file)
    {
        var tensors = SomeTensors();
        tensors.Insert(2, new TensorEntry("broken", DType.Float32, [8], new WriterTestData.FailingBytes()));

        Assert.Throws<CheckpointFormatException>(() => OutputFile.Write(scratch.File(file), WriterFor(file), tensors));
        Assert.Empty(scratch.Entries());

        File.WriteAllText(scratch.File(file), "previous output");
        Assert.Throws<CheckpointFormatException>(() => OutputFile.Write(scratch.File(file), WriterFor(file), tensors));
        Assert.Equal([file], scratch.Entries());
        Assert.Equal("previous output", File.ReadAllText(scratch.File(file)));
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void AFlippedByteIsCaughtOnReadBackAndLeavesNoFile(string file)
    {
        File.WriteAllText(scratch.File(file), "previous output");

        // The last byte of the file is tensor data in all three formats except the pickle's STOP; flip one inside 'c'.
        var e = Assert.Throws<OutputException>(() => OutputFile.Write(scratch.File(file), WriterFor(file), SomeTensors(), temporary =>
        {
            using var stream = File.Open(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite); // beside the lock holder (TemporaryOutput)
            stream.Position = stream.Length - 1000;
            var b = stream.ReadByte();
            stream.Position--;
            stream.WriteByte((byte)(b ^ 0x10));
        }));

        Assert.Contains("'c': bytes differ", e.Message);
        Assert.Equal([file], scratch.Entries());
        Assert.Equal("previous output", File.ReadAllText(scratch.File(file)));
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void ATruncatedFileIsCaughtOnReadBackAndLeavesNoFile(string file)
    {
        var e = Assert.Throws<OutputException>(() => OutputFile.Write(scratch.File(file), WriterFor(file), SomeTensors(), temporary =>
        {
            using var stream = File.Open(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite); // beside the lock holder (TemporaryOutput)
            stream.SetLength(stream.Length - 10);
        }));

        Assert.Contains("does not read back", e.Message);
        Assert.Empty(scratch.Entries());
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void ALargeOutputIsReadBackWholeOnTwoThreadsAndAFlipInTheMiddleIsCaught(string file)
    {
        // 24 MiB in 1 MiB tensors: past the size where the read-back shares the tensors between two threads.
        var tensors = Enumerable.Range(0, 24).Select(i => WriterTestData.InMemory($"t{i}", DType.Float32, [512, 512], i)).ToList();
        var writer = file.EndsWith(".pdparams", StringComparison.Ordinal) ? new PdparamsWriter([]) : WriterFor(file);

        var summary = OutputFile.Write(scratch.File(file), writer, tensors);
        Assert.Equal(tensors.Select(t => TensorStreamer.Checksum(t.ReadBytes())), summary.Tensors.Select(t => t.Checksum));

        var offset = FindOffset(File.ReadAllBytes(summary.Path), tensors[13].ReadBytes());
        var e = Assert.Throws<OutputException>(() => OutputFile.Write(scratch.File(file), writer, tensors, temporary =>
        {
            using var stream = File.Open(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite); // beside the lock holder (TemporaryOutput)
            stream.Position = offset + 1000;
            var b = stream.ReadByte();
            stream.Position--;
            stream.WriteByte((byte)(b ^ 0x01));
        }));

        Assert.Contains("'t13': bytes differ", e.Message);
        Assert.Equal([file], scratch.Entries());
    }

    private static long FindOffset(byte[] file, byte[] tensor)
    {
        var at = file.AsSpan().IndexOf(tensor);
        Assert.True(at > 0);
        return at;
    }

    [Fact]
    public void RefusalsComeBeforeAnyFileIsMade()
    {
        Assert.Throws<OutputException>(() => OutputFile.Write(scratch.File("x.dat"), new DatWriter(), [WriterTestData.InMemory("u", DType.UInt16, [2])]));
        Assert.Empty(scratch.Entries());
    }
}
