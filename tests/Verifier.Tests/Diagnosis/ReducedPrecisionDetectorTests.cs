using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Diagnosis.Detectors;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.FaultInjection;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests.Diagnosis;

public sealed class ReducedPrecisionDetectorTests(TinyFixtures fixtures) : IClassFixture<TinyFixtures>
{
    private readonly ReducedPrecisionDetector _detector = new();

    [Theory]
    [InlineData("tiny_rn", "visual.layer2.0", "float16")]
    [InlineData("tiny_rn", "transformer.resblocks.0", "bfloat16")]
    [InlineData("tiny_vit", "visual.transformer.resblocks.1", "float16")]
    [InlineData("tiny_vit", "transformer.resblocks.1", "bfloat16")]
    public void NamesABlockOutputRoundedToHalfPrecision(string model, string tap, string format)
    {
        Func<double, double> round = format == "float16" ? ReducedPrecisionDetector.ToFloat16 : ReducedPrecisionDetector.ToBFloat16;
        var (context, failing) = Rounded(model, tap, round);

        Assert.False(failing.Passed, $"rounding {tap} to {format} should fail it");
        var finding = _detector.Examine(context);

        Assert.Equal(Causes.ReducedPrecision, finding?.Cause);
        Assert.StartsWith($"{format}:", finding!.Evidence);
    }

    [Theory]
    [InlineData("tiny_rn", "visual.layer2.0")]
    [InlineData("tiny_vit", "transformer.resblocks.1")]
    public void IsSilentOnAFaithfulCandidate(string model, string tap)
    {
        var (context, failing) = Rounded(model, tap, v => v);

        Assert.True(failing.Passed);
        Assert.Null(_detector.Examine(context));
    }

    [Fact]
    public void IsSilentOnATransposedWeight()
    {
        var weight = "visual.transformer.resblocks.0.attn.out_proj.weight";
        using var clip = FaultyRuns.Load("tiny_vit", FaultyRuns.Transpose(weight));
        var run = FaultyRuns.Judge(fixtures.For("tiny_vit"), clip, RunMode.Chained);

        Assert.Null(_detector.Examine(run.Context(clip, ModelRole.Candidate)));
    }

    [Fact]
    public void RoundsAsTorchDoes()
    {
        // Ties to even on the 8-bit significand: 1 + 2^-8 lies half-way between 1 and 1 + 2^-7.
        Assert.Equal(1.0, ReducedPrecisionDetector.ToBFloat16(1 + Math.Pow(2, -8)));
        Assert.Equal(1 + Math.Pow(2, -6), ReducedPrecisionDetector.ToBFloat16(1 + (3 * Math.Pow(2, -8))));
        Assert.Equal(-3.140625, ReducedPrecisionDetector.ToBFloat16(-Math.PI));
        Assert.Equal(3.140625, ReducedPrecisionDetector.ToFloat16(Math.PI));
    }

    private (DiagnosisContext Context, TapResult Failing) Rounded(string model, string tap, Func<double, double> round)
    {
        var fixture = fixtures.For(model);
        using var clip = FaultyRuns.Load(model);
        var run = ModelRun.Run(clip, fixture, RunMode.Isolated);
        var candidate = FaultyRuns.WithTap(run, tap, round);
        var results = FixtureComparison.Compare(fixture, candidate, RunMode.Isolated, new TapJudge(new Torch32RatioRule()),
            fixture.Outputs.Where(run.Outputs.ContainsKey));
        var failing = results.All.Single(t => t.Name == tap);
        return (new DiagnosisContext(fixture, RunMode.Isolated, failing, candidate), failing);
    }
}
