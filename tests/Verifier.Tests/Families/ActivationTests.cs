using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using ClipTools.Families.Official;
using ClipTools.Model;
using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.Cli;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests.Families;

/// <summary>
/// QuickGELU or exact GELU is never guessed: an OpenAI-layout state dict made by PyTorch from an erf-GELU model
/// (fixtures/activation) is refused without <c>--act</c>, converts with <c>--act gelu</c> to a model that matches
/// PyTorch at every tap, and does not with the wrong activation; a Hugging Face config.json's hidden_act counts.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ActivationTests : IDisposable
{
    private static readonly string StateDict = RepositoryPaths.Fixture("activation", "tiny_vit_gelu_state_dict.pt");
    private static readonly string GeluFixture = RepositoryPaths.Fixture("activation", "tiny_vit_gelu.fixture.safetensors");
    private readonly TemporaryDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void BareStateDictIsRefusedInOneLineNamingTheOption()
    {
        var (code, _, stderr) = ConvertCli(StateDict, scratch.File("out.dat"));
        Assert.Equal(2, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--act", line);
        Assert.False(File.Exists(scratch.File("out.dat")));
        Assert.False(File.Exists(scratch.File("out.dat.json")));
    }

    [Fact]
    public void WithGeluItMatchesPyTorchAtEveryTapInBothModes()
    {
        var dat = scratch.File("gelu.dat");
        var (code, _, stderr) = ConvertCli(StateDict, dat, "--act", "gelu");
        Assert.True(code == 0, stderr);

        using var fixture = Fixture.Open(GeluFixture);
        using var model = ClipModel.Load(dat);   // the sidecar carries the activation
        Assert.Equal(ClipActivation.Gelu, ((ClipConfig)model.Config).Activation);
        var judge = new TapJudge(new Torch32RatioRule());
        foreach (var mode in new[] { RunMode.Chained, RunMode.Isolated })
        {
            var results = FixtureComparison.Compare(fixture, ModelRun.Run(model, fixture, mode), mode, judge);
            Assert.True(results.Passed, $"{mode}: first divergence {results.FirstDivergence?.Name}: {results.FirstDivergence?.Reason}");
        }
    }

    [Fact]
    public void WithQuickGeluTheFeaturesAreWrongAndTheVerifierRefusesTheMismatch()
    {
        var dat = scratch.File("quick.dat");
        Assert.Equal(0, ConvertCli(StateDict, dat, "--act", "quick_gelu").ExitCode);
        using var fixture = Fixture.Open(GeluFixture);
        using var quick = ClipModel.Load(dat);
        using var gelu = ClipModel.Load(StateDict, new ClipModelOptions(Activation: "gelu"));

        // What --act changes is real: the text features move far beyond float32 noise.
        var reference = fixture.ReadDoubles("output.text_features");
        using var text = ModelRun.TextInput(fixture, "input.text");
        Assert.True(RelativeError(gelu.EncodeText(text), reference) < 1e-5);
        Assert.True(RelativeError(quick.EncodeText(text), reference) > 1e-3);

        // And the verifier does not compare a model with a fixture of the other activation.
        var e = Assert.Throws<FixtureFormatException>(() => ModelRun.Run(quick, fixture, RunMode.Chained));
        Assert.Contains("act=quick_gelu", e.Message);
    }

    private static double RelativeError(TorchSharp.torch.Tensor features, double[] reference)
    {
        var values = features.to(TorchSharp.torch.ScalarType.Float64).data<double>().ToArray();
        var error = Math.Sqrt(values.Zip(reference, (a, b) => (a - b) * (a - b)).Sum());
        return error / Math.Sqrt(reference.Sum(v => v * v));
    }

    [Fact]
    public void LibraryLoadTakesTheActivationAsTheCliDoes()
    {
        Assert.Contains("--act", Assert.Throws<CheckpointFormatException>(() => ClipModel.Load(StateDict)).Message);
        using var model = ClipModel.Load(StateDict, new ClipModelOptions(Activation: "gelu"));
        using var fixture = Fixture.Open(GeluFixture);
        Assert.Equal(fixture.Config, model.Config);
    }

    [Theory]
    [InlineData("gelu", ClipActivation.Gelu)]
    [InlineData("quick_gelu", ClipActivation.QuickGelu)]
    public void HuggingFaceConfigJsonHiddenActIsHonoured(string hiddenAct, ClipActivation expected)
    {
        var weights = CopyHuggingFaceWeightsWithConfig(hiddenAct, hiddenAct);
        using var set = CheckpointFile.Read(weights);
        var config = (ClipConfig)ConversionPipeline.Run(set, new ConversionOptions(), weights).Config;
        Assert.Equal(expected, config.Activation);
    }

    [Fact]
    public void DisagreeingSourcesAreRefused()
    {
        var towers = CopyHuggingFaceWeightsWithConfig("gelu", "quick_gelu");
        using (var set = CheckpointFile.Read(towers))
        {
            var e = Assert.Throws<CheckpointFormatException>(() => ConversionPipeline.Run(set, new ConversionOptions(), towers));
            Assert.Contains("config.json", e.Message);
        }
        var weights = CopyHuggingFaceWeightsWithConfig("gelu", "gelu");
        using (var set = CheckpointFile.Read(weights))
        {
            var e = Assert.Throws<CheckpointFormatException>(() =>
                ConversionPipeline.Run(set, new ConversionOptions(Activation: "quick_gelu"), weights));
            Assert.Contains("--act", e.Message);
        }
    }

    private string CopyHuggingFaceWeightsWithConfig(string textAct, string visionAct)
    {
        var folder = Directory.CreateDirectory(scratch.File($"hf-{textAct}-{visionAct}")).FullName;
        var weights = Path.Combine(folder, "model.safetensors");
        File.Copy(RepositoryPaths.Fixture("layouts", "vit_hf.safetensors"), weights);
        File.WriteAllText(Path.Combine(folder, "config.json"),
            $$$"""{"model_type": "clip", "text_config": {"hidden_act": "{{{textAct}}}", "num_attention_heads": 2}, "vision_config": {"hidden_act": "{{{visionAct}}}", "num_attention_heads": 1}}""");
        return weights;
    }

    private static (int ExitCode, string Stdout, string Stderr) ConvertCli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = global::ClipTools.Converter.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
