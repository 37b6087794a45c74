using ClipTools.Model.Weights;
using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Verification;

namespace ClipTools.ClipModel.Tests;

/// <summary>
/// The TorchSharp CLIP, loaded with the tiny fixtures' weights, reproduces PyTorch at every tap and output: its
/// float32 RMS error against PyTorch's float64 run is at most twice PyTorch's own float32 error there, plus a floor
/// of 4 float32 ulps of the activation's RMS (<see cref="Torch32RatioRule"/> says why that floor).
/// </summary>
public class ReferenceActivationTests
{
    public static TheoryData<string, RunMode> Models => new()
    {
        { "tiny_rn", RunMode.Chained },
        { "tiny_vit", RunMode.Chained },
        { "tiny_rn", RunMode.Isolated },
        { "tiny_vit", RunMode.Isolated },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryTapAndOutputIsWithinTwicePyTorchFloat32Error(string model, RunMode mode)
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", $"{model}.fixture.safetensors"));
        using var clip = ClipWeights.LoadModel(RepositoryPaths.Fixture("tiny", $"{model}.dat"));
        Assert.Equal(fixture.Config, clip.Config);

        var run = ModelRun.Run(clip, fixture, mode);
        var results = FixtureComparison.Compare(fixture, run, mode, new TapJudge(new Torch32RatioRule(Factor: 2, FloorUlps: 4)));

        Assert.Equal(fixture.Taps.Select(t => t.Name), run.Taps.Select(t => t.Name));
        // The seed pair is an end-to-end check: isolated runs have no reference taps to feed it.
        Assert.Equal(fixture.Outputs.Where(o => mode == RunMode.Chained || o != "seed_logit"), results.Outputs.Select(o => o.Name));
        var failures = results.All.Where(r => !r.Passed)
            .Select(r => $"{r.Name}: RMS error {r.Metrics?.RmsError:E3} > bound {r.Bound:E3} (PyTorch fp32 error {r.Torch32RmsError:E3}) {r.Reason}");
        Assert.Empty(failures);
    }
}
