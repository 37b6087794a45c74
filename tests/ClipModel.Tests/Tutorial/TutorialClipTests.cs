using ClipTools.Checkpoints.Formats;
using ClipTools.Families.Tutorial;

using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Verification;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.ClipModel.Tests.Tutorial;

/// <summary>
/// The TorchSharp tutorial CLIP, loaded from the state dict PyTorch's reference saved (head counts from the JSON
/// beside it), reproduces that reference: the seed's state-dict names, every tap and output under the verifier's
/// judgement chained and isolated, features and logits within 1e-4.
/// </summary>
public sealed class TutorialClipTests : IDisposable
{
    private static readonly string Checkpoint = RepositoryPaths.Fixture("tutorial", "tiny_tutorial.pt");
    private readonly Fixture _fixture = Fixture.Open(RepositoryPaths.Fixture("tutorial", "tiny_tutorial.fixture.safetensors"));

    public void Dispose() => _fixture.Dispose();

    private static CLIP Load(ScalarType dtype = ScalarType.Float32) =>
        Assert.IsType<CLIP>(ClipTools.Model.ClipModel.Load(Checkpoint, new ClipTools.Model.ClipModelOptions(DType: dtype)));

    [Fact]
    public void LoadsAsTheFixturesModel()
    {
        using var model = Load();
        Assert.Equal("tutorial", _fixture.Config.Family);
        Assert.Equal(_fixture.Config, model.Config);
    }

    [Fact]
    public void StateDictHasTheSeedsNamesAndShapes()
    {
        using var model = Load();
        using var file = FormatDetector.Open(Checkpoint);
        var seeds = file.Tensors.ToDictionary(e => e.Name, e => e.Shape.ToArray());
        var ours = model.state_dict().ToDictionary(e => e.Key, e => e.Value.shape);
        Assert.Equal(seeds.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        Assert.All(seeds, e => Assert.Equal(e.Value, ours[e.Key]));
    }

    [Theory]
    [InlineData(RunMode.Chained)]
    [InlineData(RunMode.Isolated)]
    public void EveryTapAndOutputIsWithinTheVerifiersJudgement(RunMode mode)
    {
        using var model = Load();
        var run = ModelRun.Run(model, _fixture, mode);
        var results = FixtureComparison.Compare(_fixture, run, mode, new TapJudge(new Torch32RatioRule()));

        Assert.Equal(_fixture.Taps.Select(t => t.Name), run.Taps.Select(t => t.Name));
        Assert.Equal(_fixture.Outputs.Where(o => mode == RunMode.Chained || o != "seed_logit"), results.Outputs.Select(o => o.Name));
        Assert.Empty(results.All.Where(r => !r.Passed).Select(r => $"{r.Name}: {r.Reason}"));
    }

    [Theory]
    [InlineData(ScalarType.Float32, 1e-4)]
    [InlineData(ScalarType.Float64, 1e-10)]
    public void FeaturesAndLogitsMatchPyTorch(ScalarType dtype, double rtol)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = Load(dtype);
        var image = ModelRun.ImageInput(_fixture, "input.image").to(dtype);
        var text = ModelRun.TextInput(_fixture, "input.text");
        var (perImage, perText) = model.Logits(image, text);
        var (seedLogit, _) = model.Logits(ModelRun.ImageInput(_fixture, "input.seed_image").to(dtype),
            ModelRun.TextInput(_fixture, "input.seed_text"));

        AssertClose("image_features", model.EncodeImage(image), rtol);
        AssertClose("text_features", model.EncodeText(text), rtol);
        AssertClose("logits_per_image", perImage, rtol);
        AssertClose("logits_per_text", perText, rtol);
        AssertClose("seed_logit", seedLogit, rtol);
    }

    [Fact]
    public void TextsAttendAcrossTheBatchAsTheSeedsEncoderDoes()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = Load(ScalarType.Float64);
        var text = ModelRun.TextInput(_fixture, "input.text");
        var batched = model.EncodeText(text);
        var alone = model.EncodeText(text.narrow(0, 0, 1));
        var reversed = model.EncodeText(text.flip(0));
        var shorter = model.EncodeText(text.narrow(1, 0, 5));
        // Alone, a text attends only to itself: its features change. A permuted batch permutes the features.
        Assert.True((batched[0] - alone[0]).abs().max().item<double>() > 1e-3);
        Assert.True(reversed.flip(0).allclose(batched, rtol: 1e-12, atol: 1e-12));
        // Any length up to max_len runs (the positional table is sliced); averaging fewer positions changes features.
        Assert.Equal([3L, 32L], shorter.shape);
        Assert.True((batched - shorter).abs().max().item<double>() > 1e-3);
    }

    private void AssertClose(string output, Tensor actual, double rtol)
    {
        var reference = _fixture.ReadDoubles($"output.{output}");
        Assert.Equal(_fixture.Shape($"output.{output}"), actual.shape);
        var values = actual.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var scale = reference.Max(Math.Abs);
        var worst = values.Zip(reference, (a, r) => Math.Abs(a - r)).Max() / scale;
        Assert.True(worst <= rtol, $"{output}: max |ours - PyTorch| / max |PyTorch| = {worst:E3} > {rtol:E0}");
    }
}
