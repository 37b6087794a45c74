using System.Buffers.Binary;
using System.Text;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Tests.Writers;

public sealed class SafetensorsWriterTests : IDisposable
{
    private readonly ScratchDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void RewritingTheCommittedFixtureGivesItsBytes()
    {
        // tiny.safetensors was written by Python (json.dumps, compact, padded with spaces): every dtype but I8/I16/I32/U16.
        var path = Fixtures.PathOf("tiny.safetensors");
        using var set = FormatDetector.Open(path);
        using var written = new MemoryStream();
        new SafetensorsWriter(set.Metadata).Write(written, set.Tensors);
        Assert.Equal(File.ReadAllBytes(path), written.ToArray());
    }

    [Fact]
    public void HeaderIsPaddedToEightBytesAndKeepsTheOrderGiven()
    {
        var tensors = new[]
        {
            WriterTestData.InMemory("z.last_name_first", DType.Float16, [3]),
            WriterTestData.InMemory("a", DType.Int64, []),
            WriterTestData.InMemory("quote\"back\\slash\ttab\u0001", DType.Int8, [2, 2]),
        };
        var summary = OutputFile.Write(scratch.File("o.safetensors"), new SafetensorsWriter([KeyValuePair.Create("format", "pt")]), tensors);

        var bytes = File.ReadAllBytes(summary.Path);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, n);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"},\"z.last_name_first\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
            + "\"a\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[6,14]},"
            + "\"quote\\\"back\\\\slash\\ttab\\u0001\":{\"dtype\":\"I8\",\"shape\":[2,2],\"data_offsets\":[14,18]}}", header);
        Assert.Equal(header.TrimEnd(' '), header[..header.LastIndexOf('}')] + "}");

        using var back = FormatDetector.Open(summary.Path);
        Assert.Equal("pt", back.Metadata["format"]);
        Assert.Equal(tensors.Select(t => t.Name), back.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void NoMetadataMeansNoMetadataEntry()
    {
        using var written = new MemoryStream();
        new SafetensorsWriter().Write(written, [WriterTestData.InMemory("w", DType.Float32, [1])]);
        Assert.DoesNotContain("__metadata__", Encoding.UTF8.GetString(written.ToArray()));
    }

    [Fact]
    public void ATensorNamedMetadataIsRefused()
    {
        using var written = new MemoryStream();
        Assert.Throws<OutputException>(() => new SafetensorsWriter().Write(written, [WriterTestData.InMemory("__metadata__", DType.Float32, [1])]));
        Assert.Equal(0, written.Length);
    }
}
