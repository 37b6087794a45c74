using System.Text.Json;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Tests.Writers;

/// <summary>
/// <see cref="PdparamsWriter"/> output reads back through the converter's Paddle reader bit for bit, loads with plain
/// <c>pickle</c> and numpy, and is byte for byte what CPython's pickler writes for the same dict (what
/// <c>paddle.save</c> does).
/// </summary>
public sealed class PdparamsWriterTests : IDisposable
{
    // Loads the file with plain pickle, prints what it holds, and re-pickles the loaded dict with protocol 4 as
    // paddle.save does: the bytes must be the file's own.
    private const string LoadAndRedump = """
        import hashlib, json, pickle, sys
        import numpy as np
        raw = open(sys.argv[1], 'rb').read()
        d = pickle.loads(raw)
        table = d.get('StructuredToParameterName@@')
        tensors = [dict(name=k, dtype=str(v.dtype), shape=list(v.shape), c_order=bool(v.flags['C_CONTIGUOUS']),
                        sha256=hashlib.sha256(v.tobytes()).hexdigest())
                   for k, v in d.items() if k != 'StructuredToParameterName@@']
        assert all(isinstance(v, np.ndarray) for k, v in d.items() if k != 'StructuredToParameterName@@')
        print(json.dumps(dict(tensors=tensors, table=table, same_bytes=pickle.dumps(d, protocol=4) == raw,
                              last_key=list(d)[-1])))
        """;

    private readonly ScratchDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Theory]
    [InlineData("tiny_rn.pt")]
    [InlineData("tiny_vit.pt")]
    public void ReadsBackThroughThePaddleReaderBitForBit(string fixture)
    {
        using var set = FormatDetector.Open(WriterTestData.TinyPath(fixture));
        var tensors = set.Tensors.Where(t => !WriterTestData.ArchiveOnlyBuffers.Contains(t.Name)).ToList();
        var table = tensors.Select((t, i) => KeyValuePair.Create(t.Name, $"param_{i}")).ToList();

        var summary = OutputFile.Write(scratch.File("out.pdparams"), new PdparamsWriter(table), tensors);

        using var back = FormatDetector.Open(summary.Path);
        Assert.Equal(CheckpointFormat.Paddle, back.Format);
        Assert.Equal(tensors.Select(t => t.Name), back.Tensors.Select(t => t.Name));
        foreach (var (wrote, read) in tensors.Zip(back.Tensors))
        {
            Assert.Equal(wrote.DType, read.DType);
            Assert.Equal(wrote.Shape, read.Shape);
            Assert.Equal(wrote.ReadBytes(), read.ReadBytes());
        }
        Assert.Contains(back.Ignored, i => i.Name == PdparamsWriter.NameTableKey && i.Reason.Contains($"{tensors.Count} parameter names"));
    }

    [PythonNumpyFact]
    public void NumpyLoadsTheReleaseArchiveConversionAndPythonRepicklesItToTheSameBytes()
    {
        using var set = FormatDetector.Open(WriterTestData.TinyPath("tiny_rn.pt"));
        var tensors = set.Tensors.Where(t => !WriterTestData.ArchiveOnlyBuffers.Contains(t.Name)).ToList();
        var table = tensors.Select((t, i) => KeyValuePair.Create(t.Name, $"param_{i}")).ToList();
        var summary = OutputFile.Write(scratch.File("rn.pdparams"), new PdparamsWriter(table), tensors);

        AssertPythonSees(summary, tensors, table);
    }

    [PythonNumpyTheory]
    [InlineData(1203)]
    [InlineData(999)]
    public void FramesBatchesAndMemoMatchCPythonsPickler(int count)
    {
        // Small arrays to fill frames past 64 KiB, arrays of 64 KiB and more that bypass frames, every dtype,
        // ranks 0 to 5, empty arrays, more than one SETITEMS batch (999 tensors and the table make exactly 1000
        // items, after which CPython writes an empty batch), and a name-table key that is not a tensor.
        var dtypes = Enum.GetValues<DType>();
        var tensors = new List<TensorEntry>();
        for (var i = 0; i < count; i++)
        {
            long[] shape = (i % 6) switch
            {
                0 => [],
                1 => [i % 7 + 1],
                2 => [3, i % 5 + 1],
                3 => [2, 2, i % 3 + 1],
                4 => [1, 2, 3, 2],
                _ => [2, 1, 2, 1, 2],
            };
            if (i % 97 == 0)
            {
                shape = [64 * 1024 / 4 + i];
            }
            else if (i % 101 == 5)
            {
                shape = [2, 0];
            }
            tensors.Add(WriterTestData.InMemory($"layer{i}.w", dtypes[i % dtypes.Length], shape, i));
        }
        var table = tensors.Where((_, i) => i % 2 == 0).Select(t => KeyValuePair.Create(t.Name, t.Name.Replace('.', '_') + ".w_0"))
            .Append(KeyValuePair.Create("not.a.tensor", "orphan_0")).ToList();

        var summary = OutputFile.Write(scratch.File("many.pdparams"), new PdparamsWriter(table), tensors);

        AssertPythonSees(summary, tensors, table);
    }

    [PythonNumpyFact]
    public void WithoutANameTableAndWithOneTensor()
    {
        var one = new[] { WriterTestData.InMemory("logit_scale", DType.Float32, [1]) };
        var summary = OutputFile.Write(scratch.File("one.pdparams"), new PdparamsWriter(), one);
        AssertPythonSees(summary, one, null);

        summary = OutputFile.Write(scratch.File("empty-table.pdparams"), new PdparamsWriter([]), one);
        AssertPythonSees(summary, one, []);
    }

    [Fact]
    public void Bfloat16IsKeptAsItsUint16BitsAsPaddleDoes()
    {
        var bf16 = WriterTestData.InMemory("w", DType.BFloat16, [4]);
        var summary = OutputFile.Write(scratch.File("bf16.pdparams"), new PdparamsWriter(), [bf16]);
        var written = Assert.Single(summary.Tensors);
        Assert.Equal(DType.UInt16, written.DType);
        Assert.Equal(TensorStreamer.Checksum(bf16.ReadBytes()), written.Checksum);
    }

    [Fact]
    public void ATensorNamedLikeTheNameTableIsRefused()
    {
        using var stream = new MemoryStream();
        Assert.Throws<OutputException>(() => new PdparamsWriter().Write(stream, [WriterTestData.InMemory(PdparamsWriter.NameTableKey, DType.Float32, [1])]));
        Assert.Equal(0, stream.Length);
    }

    private static void AssertPythonSees(OutputSummary summary, IReadOnlyList<TensorEntry> input, List<KeyValuePair<string, string>>? table)
    {
        using var doc = JsonDocument.Parse(PythonNumpy.Run(LoadAndRedump, summary.Path));
        var root = doc.RootElement;
        Assert.True(root.GetProperty("same_bytes").GetBoolean(), "pickle.dumps(pickle.load(file), protocol=4) differs from the file");
        var seen = root.GetProperty("tensors").EnumerateArray().ToList();
        Assert.Equal(summary.Tensors.Select(t => t.Name), seen.Select(t => t.GetProperty("name").GetString()));
        foreach (var ((wrote, numpy), source) in summary.Tensors.Zip(seen).Zip(input))
        {
            Assert.Equal(wrote.DType == DType.Bool ? "bool" : wrote.DType.Name(), numpy.GetProperty("dtype").GetString());
            Assert.Equal(wrote.Shape, numpy.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
            Assert.True(numpy.GetProperty("c_order").GetBoolean());
            Assert.Equal(WriterTestData.Sha256(source.ReadBytes()), numpy.GetProperty("sha256").GetString());
        }
        var seenTable = root.GetProperty("table");
        if (table is null)
        {
            Assert.Equal(JsonValueKind.Null, seenTable.ValueKind);
            return;
        }
        Assert.Equal(PdparamsWriter.NameTableKey, root.GetProperty("last_key").GetString());
        Assert.Equal(table, seenTable.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString()!)));
    }
}
