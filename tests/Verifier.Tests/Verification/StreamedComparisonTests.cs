using ClipTools.Model;
using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests.Verification;

/// <summary>
/// Judging each tap as the model produces it (what clip-verify does) gives exactly the results of judging a run
/// that kept every activation, and the candidate it hands a diagnosis re-runs a tap to the same values.
/// </summary>
public sealed class StreamedComparisonTests
{
    [Theory]
    [InlineData("tiny_rn", RunMode.Chained)]
    [InlineData("tiny_rn", RunMode.Isolated)]
    [InlineData("tiny_vit", RunMode.Chained)]
    [InlineData("tiny_vit", RunMode.Isolated)]
    public void StreamedJudgementEqualsJudgingAKeptRun(string model, RunMode mode)
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", $"{model}.fixture.safetensors"));
        using var clip = ClipModel.Load(RepositoryPaths.Fixture("tiny", $"{model}.dat"));
        var judge = new TapJudge(new Torch32RatioRule());

        var kept = ModelRun.Run(clip, fixture, mode);
        var expected = FixtureComparison.Compare(fixture, kept, mode, judge);
        var (streamed, candidate) = FixtureComparison.RunAndCompare(clip, fixture, mode, judge);

        Assert.Equal(expected.Taps.Select(t => t.Name), streamed.Taps.Select(t => t.Name));
        Assert.Equal(expected.Outputs.Select(t => t.Name), streamed.Outputs.Select(t => t.Name));
        foreach (var (want, got) in expected.Taps.Concat(expected.Outputs).Zip(streamed.Taps.Concat(streamed.Outputs)))
        {
            Assert.Equal(want.Passed, got.Passed);
            Assert.Equal(want.Metrics is null, got.Metrics is null);
            if (want.Metrics is { } w && got.Metrics is { } g)
            {
                Assert.Equal((w.RmsError, w.MaxAbsError, w.MeanAbsError, w.AbsErrorP999, w.CosineSimilarity, w.Worst.FlatIndex),
                    (g.RmsError, g.MaxAbsError, g.MeanAbsError, g.AbsErrorP999, g.CosineSimilarity, g.Worst.FlatIndex));
            }
            Assert.Equal(want.Torch32RmsError, got.Torch32RmsError);
            Assert.Equal(want.Bound, got.Bound);
        }
        var tap = fixture.Taps[fixture.Taps.Count / 2].Name;
        Assert.Equal(kept.Taps.Single(t => t.Name == tap).Values, candidate.Tap(tap)!.Values);
        Assert.Null(candidate.Tap("no.such.tap"));
        Assert.Equal(kept.Outputs["text_features"].Values, candidate.Output("text_features")!.Values);
    }

    [Fact]
    public void ASelectionLeavesTheOtherTapsNotChecked()
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", "tiny_rn.fixture.safetensors"));
        using var clip = ClipModel.Load(RepositoryPaths.Fixture("tiny", "tiny_rn.dat"));
        var selection = new TapSelection(["visual.layer1.*"]);
        var (results, _) = FixtureComparison.RunAndCompare(clip, fixture, RunMode.Chained, new TapJudge(new Torch32RatioRule()), selection);
        Assert.All(results.Taps, t => Assert.Equal(selection.Includes(t.Name), t.Metrics is not null));
        Assert.Contains(results.Taps, t => t.Metrics is not null);
    }
}
