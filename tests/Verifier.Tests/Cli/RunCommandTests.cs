using ClipTools.Checkpoints.Formats;
using ClipTools.Model.Weights;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using System.Runtime.InteropServices;

namespace ClipTools.Verifier.Tests.Cli;

/// <summary><c>clip-verify run</c> (outputs for given inputs) and <c>clip-verify seed</c> (the seed-check table).</summary>
[Collection(CliCollection.Name)]
public sealed class RunCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RunWritesTheLogitsTheVerifierComputes()
    {
        using var fixture = Fixture.Open(ClipVerify.RnFixture);
        var inputs = WriteInputs("inputs.safetensors", fixture);
        var output = _temp.File("out.safetensors");

        var result = ClipVerify.Run("run", ClipVerify.RnDat, "--inputs", inputs, "--out", output);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("logits_per_image [2, 3]", result.Stdout);
        using var written = FormatDetector.Open(output);
        string[] names = ["image_features", "text_features", "logits_per_image", "logits_per_text"];
        Assert.Equal(names.Order(), written.Tensors.Select(t => t.Name).Order());
        using var model = ClipWeights.LoadModel(ClipVerify.RnDat);
        var verifier = ModelRun.Run(model, fixture, RunMode.Chained).Outputs;
        foreach (var entry in written.Tensors)
        {
            Assert.Equal(DType.Float32, entry.DType);
            var expected = verifier[entry.Name];
            Assert.Equal(expected.Shape, entry.Shape);
            var values = MemoryMarshal.Cast<byte, float>(entry.ReadBytes()).ToArray();
            var reference = fixture.ReadDoubles($"output.{entry.Name}");
            for (var i = 0; i < values.Length; i++)
            {
                // What the verifier's own run computed (the same float32 model, whole or stage by stage) ...
                Assert.Equal(expected.Values[i], values[i], 1e-5 * Math.Max(1, Math.Abs(expected.Values[i])));
                // ... and so PyTorch's float64 reference, to float32 accuracy.
                Assert.Equal(reference[i], values[i], 1e-4 * Math.Max(1, Math.Abs(reference[i])));
            }
        }
    }

    public static TheoryData<string> BadInputs => ["wrong image size", "float64 image", "token id outside the vocabulary", "NaN pixel", "no text", "int32 text"];

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void RunRefusesBadInputsAndWritesNothing(string problem)
    {
        using var fixture = Fixture.Open(ClipVerify.RnFixture);
        var image = fixture.ReadFloats("input.image");
        var imageShape = fixture.Shape("input.image");
        var text = fixture.ReadInt64s("input.text");
        var textShape = fixture.Shape("input.text");
        TensorEntry[] entries = problem switch
        {
            "wrong image size" => [ClipVerify.Entry("image", DType.Float32, [1, 3, 32, 32], new float[3 * 32 * 32]), TextEntry()],
            "float64 image" => [ClipVerify.Entry("image", DType.Float64, imageShape, Array.ConvertAll(image, v => (double)v)), TextEntry()],
            "token id outside the vocabulary" => [ImageEntry(), ClipVerify.Entry("text", DType.Int64, textShape, With(text, 5, fixture.Config.VocabSize))],
            "NaN pixel" => [ClipVerify.Entry("image", DType.Float32, imageShape, With(image, 123, float.NaN)), TextEntry()],
            "no text" => [ImageEntry()],
            "int32 text" => [ImageEntry(), ClipVerify.Entry("text", DType.Int32, textShape, Array.ConvertAll(text, v => (int)v))],
            _ => throw new ArgumentException(problem),
        };
        var inputs = ClipVerify.WriteSafetensors(_temp.File("inputs.safetensors"), entries);
        var output = _temp.File("out.safetensors");

        ClipVerify.Run("run", ClipVerify.RnDat, "--inputs", inputs, "--out", output).AssertBadInput();

        Assert.Equal(["inputs.safetensors"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));

        TensorEntry ImageEntry() => ClipVerify.Entry("image", DType.Float32, imageShape, image);
        TensorEntry TextEntry() => ClipVerify.Entry("text", DType.Int64, textShape, text);
    }

    [Fact]
    public void RunWritesOnlySafetensors()
    {
        using var fixture = Fixture.Open(ClipVerify.RnFixture);
        var inputs = WriteInputs("inputs.safetensors", fixture);
        var line = ClipVerify.Run("run", ClipVerify.RnDat, "--inputs", inputs, "--out", _temp.File("out.dat")).AssertBadInput();
        Assert.Contains(".safetensors", line);
        Assert.False(File.Exists(_temp.File("out.dat")));
    }

    [Fact]
    public void RunCapsTheBatchBeforeLoadingTheModel()
    {
        using var fixture = Fixture.Open(ClipVerify.RnFixture);
        // 65 texts, one over the default cap: refused from the header, before the (absent) model is even opened.
        var texts = ClipVerify.WriteSafetensors(_temp.File("texts.safetensors"),
        [
            ClipVerify.Entry("image", DType.Float32, fixture.Shape("input.image"), fixture.ReadFloats("input.image")),
            ClipVerify.Entry("text", DType.Int64, [65, fixture.Config.ContextLength], new long[65 * fixture.Config.ContextLength]),
        ]);
        var line = ClipVerify.Run("run", _temp.File("no model.dat"), "--inputs", texts, "--out", _temp.File("out.safetensors")).AssertBadInput();
        Assert.Contains("'text' holds a batch of 65, over the cap of 64 per run (--max-batch raises it)", line);

        // The fixture's inputs (2 images, 3 texts) pass the default cap and are refused under a cap of 2.
        var inputs = WriteInputs("inputs.safetensors", fixture);
        var capped = ClipVerify.Run("run", ClipVerify.RnDat, "--inputs", inputs, "--out", _temp.File("out.safetensors"), "--max-batch", "2").AssertBadInput();
        Assert.Contains("'text' holds a batch of 3, over the cap of 2", capped);
        Assert.Equal(["inputs.safetensors", "texts.safetensors"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName).Order());

        // 200,000 texts compressed into 120 kB (fixtures/hostile): refused before anything is inflated.
        ClipVerify.Run("run", ClipVerify.RnDat, "--inputs", ClipTools.Testing.RepositoryPaths.Fixture("hostile", "npz_huge_texts.npz"),
            "--out", _temp.File("out.safetensors")).AssertBadInput();
    }

    [Theory]
    [InlineData("dat_count_overflow.dat")]
    [InlineData("dat_shape_overflow.dat")]
    [InlineData("dat_huge_tensor.dat")]
    public void HostileDatModelIsOneLineError(string file)
    {
        var line = ClipVerify.Run(ClipTools.Testing.RepositoryPaths.Fixture("hostile", file), ClipVerify.RnFixture).AssertBadInput();
        Assert.Contains("TorchSharp .dat: ", line);
    }

    [Fact]
    public void RunRefusesACheckpointAsInputs() =>
        ClipVerify.Run("run", ClipVerify.RnDat, "--inputs", ClipVerify.RnPt, "--out", _temp.File("out.safetensors")).AssertBadInput();

    [Fact]
    public void SeedPrintsARowPerModel()
    {
        var result = ClipVerify.Run("seed", ClipVerify.RnDat, ClipVerify.RnFixture, ClipVerify.VitDat, ClipVerify.VitFixture);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("model", lines[0]);
        Assert.StartsWith("tiny_rn ", lines[2]);
        Assert.StartsWith("tiny_vit ", lines[3]);
        foreach (var (row, fixturePath) in new[] { (lines[2], ClipVerify.RnFixture), (lines[3], ClipVerify.VitFixture) })
        {
            var cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(5, cells.Length);
            using var fixture = Fixture.Open(fixturePath);
            var torch64 = fixture.ReadDoubles("output.seed_logit")[0];
            Assert.Equal(torch64.ToString("F6", System.Globalization.CultureInfo.InvariantCulture), cells[3]);
            Assert.Equal(torch64, double.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture), 1e-3);
        }
    }

    [Fact]
    public void SeedNeedsPairs()
    {
        ClipVerify.Run("seed", ClipVerify.RnDat, ClipVerify.RnFixture, ClipVerify.VitDat).AssertBadInput();
        Assert.Contains("another model", ClipVerify.Run("seed", ClipVerify.VitDat, ClipVerify.RnFixture).AssertBadInput());
    }

    private string WriteInputs(string name, Fixture fixture) => ClipVerify.WriteSafetensors(_temp.File(name),
    [
        ClipVerify.Entry("image", DType.Float32, fixture.Shape("input.image"), fixture.ReadFloats("input.image")),
        ClipVerify.Entry("text", DType.Int64, fixture.Shape("input.text"), fixture.ReadInt64s("input.text")),
    ]);

    private static T[] With<T>(T[] values, int index, T value)
    {
        var copy = (T[])values.Clone();
        copy[index] = value;
        return copy;
    }
}
