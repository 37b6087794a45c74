using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Verification;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Tests.Verification;

/// <summary>The judging that runs beside the model gives each tap the judgement of judging it alone, whatever its
/// memory budget: with none to spare, each tap waits for the one before it (and one larger than the budget still goes).</summary>
public sealed class StreamedJudgingTests
{
    [Theory]
    [InlineData(1L)]
    [InlineData(20_000L)]
    [InlineData(StreamedJudging.MaxPendingBytes)]
    public void EachTapGetsItsOwnJudgementWhateverTheBudget(long budget)
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", "tiny_rn.fixture.safetensors"));
        var judge = new TapJudge(new Torch32RatioRule());
        var taps = fixture.Taps.Take(12).ToList();
        Assert.Contains(taps, t => fixture.ElementCount($"tap.{t.Name}") * sizeof(float) > 20_000);
        Dictionary<string, TapResult> streamed;
        using (var judging = new StreamedJudging(fixture, judge, RunMode.Chained, null, budget))
        {
            foreach (var tap in taps)
            {
                // The PyTorch float32 result as the candidate: a tensor of the tap's shape, valid only during Submit.
                using var value = tensor(fixture.ReadDoubles($"fp32.tap.{tap.Name}").Select(v => (float)v).ToArray(), fixture.Shape($"tap.{tap.Name}"));
                judging.Submit(tap.Name, tap.Tower, value);
            }
            streamed = judging.Complete().ToDictionary();
        }
        foreach (var tap in taps)
        {
            var values = fixture.ReadDoubles($"fp32.tap.{tap.Name}").Select(v => (float)v).ToArray();
            var alone = FixtureComparison.JudgeValues<float>(fixture, judge, RunMode.Chained, tap.Name, tap.Tower, $"tap.{tap.Name}",
                fixture.Shape($"tap.{tap.Name}"), values);
            Assert.Equal((alone.Passed, alone.Ratio, alone.Metrics!.RmsError), (streamed[tap.Name].Passed, streamed[tap.Name].Ratio, streamed[tap.Name].Metrics!.RmsError));
        }
    }
}
