using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Tests.Writers;
using ClipTools.Families.Tutorial;
using ClipTools.Testing;
using static TorchSharp.torch;

namespace ClipTools.Converter.Tests.Tutorial;

/// <summary>
/// The tutorial family through clip-convert: the committed state dict, and tutorial CLIPs built by the seed's own
/// code at sizes chosen here (fixtures/tutorial/seed_model.py), converted and run against PyTorch's outputs.
/// </summary>
public sealed class TutorialConversionTests : IDisposable
{
    private static readonly string Checkpoint = RepositoryPaths.Fixture("tutorial", "tiny_tutorial.pt");
    private readonly ScratchDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void InspectNamesTheFamilyAndTheModel()
    {
        var result = CliRunner.Run("inspect", Checkpoint);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("tutorial", result.Stdout);
        Assert.Contains("2 heads", result.Stdout);
    }

    [Theory]
    [InlineData("dat")]
    [InlineData("safetensors")]
    public void ConvertsAndTheWeightsLoadBackAsTheSameModel(string format)
    {
        var output = Path.Combine(_temp.Path, $"tiny_tutorial.{format}");
        var result = CliRunner.Run(Checkpoint, output);
        Assert.True(result.ExitCode == 0, result.Stderr);

        using var original = Model.ClipModel.Load(Checkpoint);
        using var converted = Model.ClipModel.Load(output);
        Assert.Equal(original.Config, converted.Config);
        var want = original.Module.state_dict();
        foreach (var (name, tensor) in converted.Module.state_dict())
        {
            Assert.True(tensor.allclose(want[name], 0, 0), name);
        }
    }

    [Fact]
    public void WithoutTheHeadCountsConversionStopsInOneLineNamingWhatToGive()
    {
        var bare = Path.Combine(_temp.Path, "bare.pt");
        File.Copy(Checkpoint, bare); // no bare.pt.json beside it
        var output = Path.Combine(_temp.Path, "bare.dat");
        var result = CliRunner.Run(bare, output);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("num_heads", line);
        Assert.Contains(".json", line);
        Assert.False(File.Exists(output));
    }

    /// <summary>Sizes the committed files do not have: odd widths, a patch grid off the image size, one head, one layer, one channel.</summary>
    public static TheoryData<string, int> SeedModels => new()
    {
        { """{"image_size": 45, "patch_size": 10, "embed_dim": 24, "num_heads": 3, "num_layers": 3, "mlp_hidden_dim": 37, "vocab_size": 53, "d_model": 24, "text_num_layers": 2, "text_num_heads": 6, "text_d_ff": 29, "max_len": 11}""", 7 },
        { """{"image_size": 28, "patch_size": 7, "in_channels": 1, "embed_dim": 16, "num_heads": 1, "num_layers": 1, "mlp_hidden_dim": 64, "vocab_size": 300, "d_model": 16, "text_num_layers": 1, "text_num_heads": 2, "text_d_ff": 8, "max_len": 5}""", 8 },
    };

    [Theory]
    [MemberData(nameof(SeedModels))]
    public void ASeedBuiltModelConvertsAndRunsWithin1e4OfPyTorch(string config, int seed)
    {
        var folder = Path.Combine(_temp.Path, $"seed{seed}");
        RunSeedModel(folder, config, seed);
        var heads = System.Text.Json.JsonDocument.Parse(config).RootElement;
        var sidecar = new Dictionary<string, string>
        {
            ["num_heads"] = heads.GetProperty("num_heads").GetInt32().ToString(CultureInfo.InvariantCulture),
            ["text_num_heads"] = heads.GetProperty("text_num_heads").GetInt32().ToString(CultureInfo.InvariantCulture),
            ["image_size"] = heads.GetProperty("image_size").GetInt32().ToString(CultureInfo.InvariantCulture),
        };
        File.WriteAllText(Path.Combine(folder, "model.pt.json"), System.Text.Json.JsonSerializer.Serialize(sidecar));
        var converted = Path.Combine(folder, "model.dat");
        var result = CliRunner.Run(Path.Combine(folder, "model.pt"), converted);
        Assert.True(result.ExitCode == 0, result.Stderr);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = Model.ClipModel.Load(converted);
        Assert.Equal(TutorialFamily.FamilyName, model.Config.Family);
        using var inputs = FormatDetector.Open(Path.Combine(folder, "inputs.safetensors"));
        using var expected = FormatDetector.Open(Path.Combine(folder, "expected.safetensors"));
        var image = Tensor(inputs, "image");
        var text = Tensor(inputs, "text");
        var (perImage, perText) = model.Logits(image, text);
        AssertClose(expected, "image_features", model.EncodeImage(image));
        AssertClose(expected, "text_features", model.EncodeText(text));
        AssertClose(expected, "logits_per_image", perImage);
        AssertClose(expected, "logits_per_text", perText);
    }

    private static void RunSeedModel(string folder, string config, int seed)
    {
        var start = new ProcessStartInfo(PythonNumpy.Interpreter) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { RepositoryPaths.Fixture("tutorial", "seed_model.py"), folder, config, "--seed", seed.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"seed_model.py: {stderr.Result}");
    }

    private static Tensor Tensor(TensorSet file, string name)
    {
        var entry = file.Tensors.Single(t => t.Name == name);
        var bytes = entry.ReadBytes();
        return entry.DType == DType.Int64
            ? tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), [.. entry.Shape])
            : tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), [.. entry.Shape]);
    }

    private static void AssertClose(TensorSet expected, string name, Tensor actual)
    {
        var entry = expected.Tensors.Single(t => t.Name == name);
        Assert.Equal(entry.Shape, actual.shape);
        var reference = MemoryMarshal.Cast<byte, float>(entry.ReadBytes()).ToArray();
        var values = actual.contiguous().data<float>().ToArray();
        var scale = reference.Max(Math.Abs);
        var worst = values.Zip(reference, (a, r) => Math.Abs(a - r)).Max() / scale;
        Assert.True(worst <= 1e-4, $"{name}: max |ours - PyTorch| / max |PyTorch| = {worst:E3}");
    }
}
