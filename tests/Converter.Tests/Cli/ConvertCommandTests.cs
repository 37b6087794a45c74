using System.Security.Cryptography;
using System.Text.Json;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Tests.Writers;
using ClipTools.Converter.Writers;
using ClipTools.Testing;

namespace ClipTools.Converter.Tests.Cli;

/// <summary><c>clip-convert IN OUT</c> end to end: outputs, round trips through Paddle, summary, refusals.</summary>
public sealed class ConvertCommandTests : IDisposable
{
    private static readonly string TinyRn = RepositoryPaths.Fixture("tiny", "tiny_rn.pt");
    private static readonly string TinyVit = RepositoryPaths.Fixture("tiny", "tiny_vit.pt");
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("tiny_rn")]
    [InlineData("tiny_vit")]
    public void OfficialThroughPdparamsGivesTheSameDatByteForByte(string model)
    {
        var archive = RepositoryPaths.Fixture("tiny", $"{model}.pt");
        var direct = _scratch.File("direct.dat");
        var paddle = _scratch.File("via.pdparams");
        var viaPaddle = _scratch.File("via.dat");
        ConvertOk(archive, direct);
        ConvertOk(archive, paddle);
        ConvertOk(paddle, viaPaddle);
        Assert.Equal(File.ReadAllBytes(direct), File.ReadAllBytes(viaPaddle));
    }

    [Fact]
    public void PdparamsHasThePaddlePortsNamesShapesAndValues()
    {
        // fixtures/layouts/rn_paddle_p4.pdparams was written by the fixture script from the same archive, in the
        // Paddle port's layout, independently of the converter.
        var ours = _scratch.File("rn.pdparams");
        ConvertOk(TinyRn, ours, "--dtype", "keep");
        using var expected = FormatDetector.Open(RepositoryPaths.Fixture("layouts", "rn_paddle_p4.pdparams"));
        using var actual = FormatDetector.Open(ours);
        Assert.Equal(expected.Tensors.Select(t => $"{t.Name} {t.DType.Name()} {t.ShapeText}"),
            actual.Tensors.Select(t => $"{t.Name} {t.DType.Name()} {t.ShapeText}"));
        foreach (var (e, a) in expected.Tensors.Zip(actual.Tensors))
        {
            Assert.True(e.ReadBytes().AsSpan().SequenceEqual(a.ReadBytes()), e.Name);
        }
    }

    [PythonNumpyFact]
    public void PdparamsLoadsWithPlainPickleAndNumpyUnderThePortsKeys()
    {
        var ours = _scratch.File("rn.pdparams");
        ConvertOk(TinyRn, ours);
        const string script = """
            import pickle, sys
            ours = pickle.load(open(sys.argv[1], "rb"))
            port = pickle.load(open(sys.argv[2], "rb"))
            table = "StructuredToParameterName@@"
            assert ours[table] == port[table], "name tables differ"
            keys = [k for k in port if k != table]
            assert [k for k in ours if k != table] == keys, "keys differ"
            for k in keys:
                assert ours[k].shape == port[k].shape, k
                assert ours[k].dtype.name == "float32" or k.endswith("num_batches_tracked"), k
                assert (ours[k] == port[k].astype(ours[k].dtype)).all(), k
            print(len(keys))
            """;
        var count = PythonNumpy.Run(script, ours, RepositoryPaths.Fixture("layouts", "rn_paddle_p4.pdparams"));
        Assert.True(int.Parse(count.Trim(), System.Globalization.CultureInfo.InvariantCulture) > 100);
    }

    [Fact]
    public void SummaryNamesLayoutModelAndTheOutputsHash()
    {
        var output = _scratch.File("vit.safetensors");
        var result = CliRunner.Run(TinyVit, output, "--json");
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal("official", root.GetProperty("layout").GetString());
        Assert.Equal("torchscript", root.GetProperty("input").GetProperty("format").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(output))),
            root.GetProperty("output").GetProperty("sha256").GetString());
        Assert.Contains(root.GetProperty("dtype_changes").EnumerateArray(),
            c => c.GetProperty("from").GetString() == "float16" && c.GetProperty("to").GetString() == "float32");
    }

    [Fact]
    public void Float16OutputHoldsOnlyFloat16Weights()
    {
        var output = _scratch.File("rn16.safetensors");
        var mismatch = CliRunner.Run(TinyRn, output, "--dtype", "float16", "--model", "RN50x4");
        Assert.Equal(2, mismatch.ExitCode);
        Assert.Empty(_scratch.Entries());   // a --model mismatch stops before anything is written
        ConvertOk(TinyRn, output, "--dtype", "float16");
        using var written = FormatDetector.Open(output);
        Assert.All(written.Tensors.Where(t => !t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)),
            t => Assert.Equal(DType.Float16, t.DType));
    }

    [Fact]
    public void NanWeightStopsTheConversionAndLeavesNoOutput()
    {
        using var source = FormatDetector.Open(TinyVit);
        var poisoned = source.Tensors
            .Where(t => t.Name is not ("input_resolution" or "context_length" or "vocab_size"))
            .Select(t => t.Name == "visual.ln_post.weight"
                ? new TensorEntry(t.Name, DType.Float32, t.Shape, new MemoryBytes(BitConverter.GetBytes(float.NaN).Concat(t.ReadBytes()[4..]).ToArray()))
                : t)
            .ToList();
        var input = _scratch.File("poisoned.safetensors");
        OutputFile.Write(input, new SafetensorsWriter(), poisoned);
        var output = _scratch.File("out.dat");

        var result = CliRunner.Run(input, output, "--act", "quick_gelu");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StderrLines);
        Assert.Contains("visual.ln_post.weight", result.Stderr);
        Assert.Equal(["poisoned.safetensors"], _scratch.Entries());
    }

    [Theory]
    [InlineData("out.txt")]
    [InlineData("missing-folder/out.dat")]
    public void UnwritableOutputIsOneLineAndExit2(string output)
    {
        var result = CliRunner.Run(TinyRn, _scratch.File(output));
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StderrLines);
        Assert.Empty(_scratch.Entries());
    }

    [Fact]
    public void NotAClipIsRefused()
    {
        var result = CliRunner.Run(RepositoryPaths.Fixture("formats", "state_dict_dtypes.pt"), _scratch.File("x.dat"));
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StderrLines);
        Assert.Empty(_scratch.Entries());
    }

    private static void ConvertOk(string input, string output, params string[] options)
    {
        var result = CliRunner.Run([input, output, .. options]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");
    }
}
