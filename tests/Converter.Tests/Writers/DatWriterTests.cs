using System.Text;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;
using ClipTools.Families.Official;
using ClipTools.Model.Weights;
using static TorchSharp.torch;

namespace ClipTools.Converter.Tests.Writers;

/// <summary><see cref="DatWriter"/> writes exactly what TorchSharp's <c>Module.save</c> writes, and TorchSharp loads it.</summary>
public sealed class DatWriterTests : IDisposable
{
    private readonly ScratchDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Theory]
    [InlineData("tiny_rn.dat")]
    [InlineData("tiny_vit.dat")]
    public void SameBytesAsTorchSharpModuleSave(string fixture)
    {
        using var model = ClipWeights.LoadModel(WriterTestData.TinyPath(fixture));
        var saved = scratch.File("module-save.dat");
        model.save(saved);

        using var written = new MemoryStream();
        new DatWriter().Write(written, WriterTestData.FromStateDict(model));

        Assert.Equal(File.ReadAllBytes(saved), written.ToArray());
    }

    [Theory]
    [InlineData("tiny_rn.dat")]
    [InlineData("tiny_vit.dat")]
    public void RewritingACommittedDatGivesItsBytes(string fixture)
    {
        var path = WriterTestData.TinyPath(fixture);
        var (tensors, file) = WriterTestData.FromDat(path);
        using (file)
        {
            using var written = new MemoryStream();
            new DatWriter().Write(written, tensors);
            Assert.Equal(File.ReadAllBytes(path), written.ToArray());
        }
    }

    [Theory]
    [InlineData("tiny_rn")]
    [InlineData("tiny_vit")]
    public void TorchSharpStrictLoadAcceptsTheConvertedReleaseArchive(string name)
    {
        using var set = FormatDetector.Open(WriterTestData.TinyPath(name + ".pt"));
        var canonical = WriterTestData.CanonicalFloat32(set);
        var summary = OutputFile.Write(scratch.File(name + ".dat"), new DatWriter(), canonical);

        var config = ClipConfigInference.FromShapes(canonical.ToDictionary(t => t.Name, t => t.Shape.ToArray()), ClipActivation.QuickGelu);
        using var model = new Clip(config);
        Assert.Equal(model.state_dict().Count, summary.TensorCount);
        model.load(summary.Path, strict: true);

        using var reference = ClipWeights.LoadModel(WriterTestData.TinyPath(name + ".dat"));
        var expected = reference.state_dict();
        foreach (var (key, value) in model.state_dict())
        {
            Assert.True(expected[key].to(value.dtype).eq(value).all().item<bool>(), key);
        }
    }

    [Fact]
    public void NamesAreWrittenAsBinaryWriterWritesThem()
    {
        var name = "visual.ü" + new string('x', 130);   // 2-byte UTF-8 and a 2-byte length prefix
        using var written = new MemoryStream();
        new DatWriter().Write(written, [WriterTestData.InMemory(name, DType.Float32, [2, 3])]);

        written.Position = 0;
        using var reader = new BinaryReader(written, Encoding.UTF8);
        Assert.Equal(1, reader.Read7BitEncodedInt64());
        Assert.Equal(name, reader.ReadString());
        Assert.Equal(6, reader.Read7BitEncodedInt64());   // float32
        Assert.Equal(2, reader.Read7BitEncodedInt64());   // rank
        Assert.Equal(2, reader.Read7BitEncodedInt64());
        Assert.Equal(3, reader.Read7BitEncodedInt64());
        Assert.Equal(24, written.Length - written.Position);
    }

    [Theory]
    [InlineData(DType.UInt8, 0)]
    [InlineData(DType.Int8, 1)]
    [InlineData(DType.Int16, 2)]
    [InlineData(DType.Int32, 3)]
    [InlineData(DType.Int64, 4)]
    [InlineData(DType.Float16, 5)]
    [InlineData(DType.Float32, 6)]
    [InlineData(DType.Float64, 7)]
    [InlineData(DType.Bool, 11)]
    [InlineData(DType.BFloat16, 15)]
    public void ElementTypeCodesAreTorchSharpScalarTypes(DType dtype, int code)
    {
        Assert.Equal(code, DatWriter.ElementTypeCode(dtype));
        Assert.Equal(code, (int)Enum.Parse<ScalarType>(TorchSharpName(dtype)));
    }

    [Fact]
    public void EveryDTypeReadsBackThroughDatFile()
    {
        var tensors = Enum.GetValues<DType>().Where(d => d != DType.UInt16)
            .Select((d, i) => WriterTestData.InMemory("t" + i, d, [3, 2], i)).ToList();
        var summary = OutputFile.Write(scratch.File("all.dat"), new DatWriter(), tensors);
        Assert.Equal(tensors.Select(t => t.DType), summary.Tensors.Select(t => t.DType));
    }

    [Fact]
    public void Uint16AndDuplicateNamesAreRefusedBeforeWriting()
    {
        using var stream = new MemoryStream();
        var e = Assert.Throws<OutputException>(() => new DatWriter().Write(stream, [WriterTestData.InMemory("a", DType.UInt16, [2])]));
        Assert.Contains("uint16", e.Message);
        e = Assert.Throws<OutputException>(() => new DatWriter().Write(stream,
            [WriterTestData.InMemory("a", DType.Float32, [2]), WriterTestData.InMemory("a", DType.Float32, [2])]));
        Assert.Contains("'a'", e.Message);
        Assert.Equal(0, stream.Length);
    }

    private static string TorchSharpName(DType dtype) => dtype switch
    {
        DType.UInt8 => nameof(ScalarType.Byte),
        _ => dtype.ToString(),
    };
}
