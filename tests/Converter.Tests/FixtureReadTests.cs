using System.Security.Cryptography;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Tests;

/// <summary>Every committed fixture reads back exactly what PyTorch or numpy wrote, bit for bit.</summary>
public class FixtureReadTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EveryTensorMatchesWhatPythonWrote(string file)
    {
        var expected = Fixtures.Files.GetProperty(file);
        using var set = FormatDetector.Open(Fixtures.PathOf(file));

        Assert.Equal(expected.GetProperty("format").GetString(), set.Format.Name());
        var want = expected.GetProperty("tensors").EnumerateArray().ToList();
        Assert.Equal(want.Select(t => t.GetProperty("name").GetString()), set.Tensors.Select(t => t.Name));
        foreach (var (w, got) in want.Zip(set.Tensors))
        {
            Assert.Equal(w.GetProperty("dtype").GetString(), got.DType.Name());
            Assert.Equal(w.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), got.Shape);
            var sha = Convert.ToHexStringLower(SHA256.HashData(got.ReadBytes()));
            Assert.True(w.GetProperty("sha256").GetString() == sha, $"{file}: bytes of {got.Name} differ");
        }
    }

    [Theory]
    [InlineData("checkpoint_state_dict.pt", "state_dict")]
    [InlineData("checkpoint_model.pt", "model")]
    [InlineData("state_dict_dtypes.pt", null)]
    public void WrappedStateDictsAreUnwrappedAndTheKeyReported(string file, string? wrapper)
    {
        using var set = FormatDetector.Open(Fixtures.PathOf(file));
        Assert.Equal(wrapper, set.WrapperKey);
    }

    [Fact]
    public void CheckpointKeepsModulePrefixAndIgnoresOptimizerTensors()
    {
        using var set = FormatDetector.Open(Fixtures.PathOf("checkpoint_state_dict.pt"));
        Assert.All(set.Tensors, t => Assert.StartsWith("module.", t.Name));
        Assert.Contains(set.Ignored, i => i.Name == "optimizer" && i.Reason.Contains("1 tensors"));
        Assert.Contains(set.Ignored, i => i.Name == "epoch");
    }

    [Theory]
    [InlineData("tiny_clip_jit.pt")]
    [InlineData("tiny_clip_jit_root_renamed.pt")]
    public void TorchScriptReportsOnlyParametersAndBuffers(string file)
    {
        using var set = FormatDetector.Open(Fixtures.PathOf(file));
        Assert.Equal(CheckpointFormat.TorchScript, set.Format);
        Assert.DoesNotContain(set.Tensors, t => t.Name.Contains("attn_mask") || t.Name.Contains("causal"));
        Assert.Contains(set.Ignored, i => i.Name == "holder.attn_mask");
        Assert.Contains(set.Ignored, i => i.Name.EndsWith("constants.pkl") && i.Reason.StartsWith("1 traced constant"));
        foreach (var name in new[] { "input_resolution", "context_length", "vocab_size" })
        {
            var t = Assert.Single(set.Tensors, t => t.Name == name);
            Assert.Equal(DType.Int64, t.DType);
            Assert.Empty(t.Shape);
        }
        Assert.Contains(set.Tensors, t => t.DType == DType.Float16);
        Assert.Contains(set.Tensors, t => t.DType == DType.Float32);
    }

    [Fact]
    public void SafetensorsMetadataIsKept()
    {
        using var set = FormatDetector.Open(Fixtures.PathOf("tiny.safetensors"));
        var expected = Fixtures.Files.GetProperty("tiny.safetensors").GetProperty("metadata");
        Assert.Equal(expected.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!), set.Metadata);
    }

    [Theory]
    [InlineData("paddle_p2.pdparams", "StructuredToParameterName@@")]
    [InlineData("paddle_p3_split.pdparams", "UnpackBigParamInfor@@")]
    [InlineData("paddle_numpy2.pdparams", "last_epoch")]
    public void PaddleTablesAreReportedAsIgnored(string file, string ignored)
    {
        using var set = FormatDetector.Open(Fixtures.PathOf(file));
        Assert.Contains(set.Ignored, i => i.Name == ignored);
        Assert.DoesNotContain(set.Tensors, t => t.Name.Contains("@@"));
    }

    [Fact]
    public void InspectPrintsFormatTensorsTotalsAndIgnored()
    {
        var r = CliRunner.Run("inspect", Fixtures.PathOf("checkpoint_state_dict.pt"));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stderr);
        Assert.StartsWith("format: torch-zip", r.Stdout);
        Assert.Contains("module.visual.ln.bias", r.Stdout);
        Assert.Contains("bfloat16", r.Stdout);
        Assert.Contains("total: 11 tensors, 308 bytes", r.Stdout);
        Assert.Contains("optimizer", r.Stdout);
    }

    [Theory]
    [InlineData("arrays.npz")]
    [InlineData("arrays_compressed.npz")]
    public void AFortranOrderedNpzArrayReadsAsNumpyReadsIt(string file)
    {
        // np.savez of a transposed array: its .npy header says fortran_order True, its data is column-major.
        using (var zip = System.IO.Compression.ZipFile.OpenRead(Fixtures.PathOf(file)))
        using (var npy = zip.GetEntry("tap.transposed.npy")!.Open())
        {
            var head = new byte[128];
            npy.ReadAtLeast(head, head.Length);
            Assert.Contains("'fortran_order': True", System.Text.Encoding.ASCII.GetString(head));
        }
        using var set = FormatDetector.Open(Fixtures.PathOf(file));
        var entry = set.Tensors.Single(t => t.Name == "tap.transposed");
        var want = Fixtures.Files.GetProperty(file).GetProperty("tensors").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "tap.transposed");
        Assert.Equal([2L, 4, 3], entry.Shape);
        // expected.json holds the SHA-256 of numpy's C-order bytes of the same array.
        Assert.Equal(want.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(entry.ReadBytes())));
    }
}
