using ClipTools.Checkpoints.Formats;
using ClipTools.Model.Taps;
using ClipTools.Families.Tutorial;
using ClipTools.Model.Weights;
using ClipTools.Testing;
using ClipTools.Verifier.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.ClipModel.Tests.Tutorial;

/// <summary>
/// The TorchSharp tutorial CLIP, loaded with the weights PyTorch's reference saved, reproduces that reference:
/// the seed's state-dict names, every tap under the verifier's judgement, features and logits within 1e-4.
/// </summary>
public sealed class TutorialClipTests : IDisposable
{
    private readonly TutorialFixtureFile _fixture = new(RepositoryPaths.Fixture("tutorial", "tiny_tutorial.fixture.safetensors"));

    public void Dispose() => _fixture.Dispose();

    private CLIP LoadModel(ScalarType dtype)
    {
        var model = new CLIP(_fixture.Config);
        model.to(dtype);
        ClipWeights.Load(model, RepositoryPaths.Fixture("tutorial", "tiny_tutorial.dat"));
        return model;
    }

    [Fact]
    public void StateDictHasTheSeedsNamesAndShapes()
    {
        using var model = new CLIP(_fixture.Config);
        var seeds = DatFile.ReadIndex(RepositoryPaths.Fixture("tutorial", "tiny_tutorial.dat"))
            .ToDictionary(e => e.Name, e => e.Shape.ToArray());
        var ours = model.state_dict().ToDictionary(e => e.Key, e => e.Value.shape);
        Assert.Equal(seeds.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        Assert.All(seeds, e => Assert.Equal(e.Value, ours[e.Key]));
    }

    [Fact]
    public void FixtureIsTheTutorialFamily() => Assert.Equal("tutorial", _fixture.Family);

    [Theory]
    [InlineData(ScalarType.Float32, 1e-4)]
    [InlineData(ScalarType.Float64, 1e-10)]
    public void FeaturesAndLogitsMatchPyTorch(ScalarType dtype, double rtol)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = LoadModel(dtype);
        var image = Input("input.image").to(dtype);
        var text = Input("input.text");
        var imageFeatures = model.ImageEncoder.call(image);
        var textFeatures = model.TextEncoder.call(text);
        var (perImage, perText) = model.call(image, text);
        var (seedLogit, _) = model.call(Input("input.seed_image").to(dtype), Input("input.seed_text"));

        AssertClose("image_features", imageFeatures, rtol);
        AssertClose("text_features", textFeatures, rtol);
        AssertClose("logits_per_image", perImage, rtol);
        AssertClose("logits_per_text", perText, rtol);
        AssertClose("seed_logit", seedLogit, rtol);
    }

    [Fact]
    public void EveryTapIsWithinTheVerifiersJudgement()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = LoadModel(ScalarType.Float32);
        using var sink = new TapSink();
        using (TutorialTaps.Attach(model, sink))
        {
            model.ImageEncoder.call(Input("input.image"));
            model.TextEncoder.call(Input("input.text"));
        }

        Assert.Equal(_fixture.Taps.Select(t => t.Name), sink.Taps.Select(t => t.Name));
        var judge = new TapJudge(new Torch32RatioRule(Factor: 2, FloorUlps: 4));
        var failures = new List<string>();
        foreach (var ((name, tower), (_, value)) in _fixture.Taps.Zip(sink.Taps))
        {
            Assert.Equal(_fixture.Shape($"tap.{name}"), value.shape);
            var result = judge.Judge(name, tower, value.shape, Doubles(value), _fixture.Doubles($"tap.{name}"),
                _fixture.Doubles($"fp32.tap.{name}"), _fixture.Noise[$"tap.{name}"]);
            if (!result.Passed)
            {
                failures.Add($"{name}: {result.Reason}");
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public void TextsAttendAcrossTheBatchAsTheSeedsEncoderDoes()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = LoadModel(ScalarType.Float64);
        var text = Input("input.text");
        var batched = model.TextEncoder.call(text);
        var alone = model.TextEncoder.call(text.narrow(0, 0, 1));
        var reversed = model.TextEncoder.call(text.flip(0));
        // Alone, a text attends only to itself: its features change. A permuted batch permutes the features.
        Assert.True((batched[0] - alone[0]).abs().max().item<double>() > 1e-3);
        Assert.True(reversed.flip(0).allclose(batched, rtol: 1e-12, atol: 1e-12));
    }

    private Tensor Input(string name) => name.EndsWith("text", StringComparison.Ordinal)
        ? tensor(_fixture.Longs(name), _fixture.Shape(name))
        : tensor(_fixture.Floats(name), _fixture.Shape(name));

    private void AssertClose(string output, Tensor actual, double rtol)
    {
        var reference = _fixture.Doubles($"output.{output}");
        Assert.Equal(_fixture.Shape($"output.{output}"), actual.shape);
        var values = Doubles(actual);
        var scale = reference.Max(Math.Abs);
        var worst = values.Zip(reference, (a, r) => Math.Abs(a - r)).Max() / scale;
        Assert.True(worst <= rtol, $"{output}: max |ours - PyTorch| / max |PyTorch| = {worst:E3} > {rtol:E0}");
    }

    private static double[] Doubles(Tensor t) => t.to(ScalarType.Float64).contiguous().data<double>().ToArray();
}
