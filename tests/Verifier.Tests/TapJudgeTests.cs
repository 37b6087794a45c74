using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Tests;

public class TapJudgeTests
{
    private static readonly double[] Reference = [1.0, -2.0, 0.5, 4.0];
    private static readonly double[] Torch32 = Array.ConvertAll(Reference, v => v + 1e-7);

    [Fact]
    public void NoiseRuleIsTwiceTheFBoundOnThePooledNoisePlusFourUlpsOfTheReference()
    {
        var rule = new Torch32RatioRule();
        var referenceRms = ErrorMetrics.Rms(Reference);
        double[] runs = [1.2e-7, 0.8e-7, 1.1e-7];
        var noise = new Float32Noise([ErrorMetrics.RmsError(Torch32, Reference), .. runs], 4);
        var q = Math.Sqrt(FisherQuantile.Upper(noise.DegreesOfFreedom, 4 * noise.DegreesOfFreedom, 1e-6));
        var bound = (2 * q * noise.Scale) + (4 * Math.Pow(2, -23) * referenceRms);
        Assert.Equal(bound, rule.Bound(noise, referenceRms), 15);

        // Just inside and just outside the bound, with a uniform error so that RMS error = |error|.
        var judge = new TapJudge(rule);
        var inside = judge.Judge("t", "image", [4], Array.ConvertAll(Reference, v => v + (bound * 0.999)), Reference, Torch32, runs);
        var outside = judge.Judge("t", "image", [4], Array.ConvertAll(Reference, v => v + (bound * 1.001)), Reference, Torch32, runs);
        Assert.True(inside.Passed);
        Assert.Null(inside.Reason);
        Assert.False(outside.Passed);
        Assert.Contains("bound", outside.Reason);
        Assert.Equal(bound * 1.001 / ErrorMetrics.RmsError(Torch32, Reference), outside.Ratio, 6);
    }

    [Fact]
    public void TheFloorPassesACandidateWherePyTorchIsExact()
    {
        var judge = new TapJudge(new Torch32RatioRule());
        var candidate = Array.ConvertAll(Reference, v => v * (1 + 1e-7));
        var result = judge.Judge("relu", "text", [2, 2], candidate, Reference, Reference);
        Assert.Equal(0, result.Torch32RmsError);
        Assert.Equal(double.PositiveInfinity, result.Ratio);
        Assert.True(result.Passed);
    }

    [Fact]
    public void RatioIsZeroWhenBothAreExact()
    {
        Assert.Equal(0, TapJudge.Ratio(0, 0));
        Assert.Equal(double.PositiveInfinity, TapJudge.Ratio(1e-9, 0));
        Assert.Equal(3, TapJudge.Ratio(3e-7, 1e-7), 12);
    }

    [Fact]
    public void NonFiniteCandidateFailsUnderEveryRule()
    {
        double[] candidate = [1.0, double.NaN, 0.5, 4.0];
        foreach (JudgementRule rule in new JudgementRule[] { new Torch32RatioRule(), new ToleranceRule(new Tolerance(1e9, 1e9)) })
        {
            var result = new TapJudge(rule).Judge("t", "image", [4], candidate, Reference, Torch32);
            Assert.False(result.Passed);
            Assert.Contains("NaN/Inf", result.Reason);
            Assert.Contains("[1]", result.Reason);
        }
    }

    [Fact]
    public void ShapeMismatchFailsWithBothShapes()
    {
        var result = TapJudge.ShapeMismatch("visual.conv1", "image", [1, 4, 8, 8], [1, 8, 8, 4]);
        Assert.False(result.Passed);
        Assert.Null(result.Metrics);
        Assert.Equal([1L, 8L, 8L, 4L], result.CandidateShape!);
        Assert.Contains("[1, 8, 8, 4]", result.Reason);
        Assert.Contains("[1, 4, 8, 8]", result.Reason);
    }

    [Fact]
    public void ToleranceOverridesMatchByGlobFirstMatchWins()
    {
        var rule = new ToleranceRule(new Tolerance(1e-6, 0),
        [
            ToleranceOverride.Parse("visual.layer1.*=1e-4,0"),
            ToleranceOverride.Parse("*.mlp.gelu=1e-3,1e-2"),
            ToleranceOverride.Parse("visual.*=1e-5,0"),
            ToleranceOverride.Parse("ln_fina?=0.5,0"),
        ]);
        Assert.Equal(new Tolerance(1e-4, 0), rule.For("visual.layer1.0.conv1"));
        Assert.Equal(new Tolerance(1e-3, 1e-2), rule.For("transformer.resblocks.3.mlp.gelu"));
        Assert.Equal(new Tolerance(1e-3, 1e-2), rule.For("visual.transformer.resblocks.0.mlp.gelu"));
        Assert.Equal(new Tolerance(1e-5, 0), rule.For("visual.attnpool"));
        Assert.Equal(new Tolerance(0.5, 0), rule.For("ln_final"));
        Assert.Equal(new Tolerance(1e-6, 0), rule.For("token_embedding"));
        // The whole name must match, and dots are literal.
        Assert.Equal(new Tolerance(1e-6, 0), rule.For("xvisual.layer1.0"));
        Assert.Equal(new Tolerance(1e-6, 0), rule.For("visualXlayer1.0"));
    }

    [Fact]
    public void ToleranceParsingRejectsBadText()
    {
        Assert.Throws<FormatException>(() => Tolerance.Parse("1e-5"));
        Assert.Throws<FormatException>(() => Tolerance.Parse("-1,0"));
        Assert.Throws<FormatException>(() => Tolerance.Parse("a,b"));
        Assert.Throws<FormatException>(() => ToleranceOverride.Parse("=1,1"));
        Assert.Throws<FormatException>(() => ToleranceOverride.Parse("visual.*"));
        Assert.Equal(new ToleranceOverride("a=b", new Tolerance(1, 2)), ToleranceOverride.Parse("a=b=1,2"));
    }

    [Fact]
    public void TheMinimumToleranceReportedIsTheOneThatPasses()
    {
        double[] reference = [1.0, -2.0, 0.0, 10.0];
        double[] candidate = [1.001, -2.0, 1e-4, 10.05];
        var tolerance = new Tolerance(1e-5, 1e-4);
        var judge = new TapJudge(new ToleranceRule(tolerance));

        var failed = judge.Judge("t", "image", [4], candidate, reference, reference);
        var outcome = failed.Tolerance!;
        Assert.False(failed.Passed);
        Assert.Equal(3, outcome.MismatchCount);
        Assert.Equal(0.05 - 1e-3, outcome.MinimumAtol, 12);              // element 3: |err| - rtol |r|
        Assert.Equal(double.PositiveInfinity, outcome.MinimumRtol);     // element 2: r = 0 misses by more than atol

        var withMinimumAtol = new TapJudge(new ToleranceRule(tolerance with { Atol = outcome.MinimumAtol * (1 + 1e-12) }));
        Assert.True(withMinimumAtol.Judge("t", "image", [4], candidate, reference, reference).Passed);
        var justBelow = new TapJudge(new ToleranceRule(tolerance with { Atol = outcome.MinimumAtol * (1 - 1e-9) }));
        Assert.False(justBelow.Judge("t", "image", [4], candidate, reference, reference).Passed);
    }

    [Fact]
    public void ToleranceModeStillReportsTheRatio()
    {
        var candidate = Array.ConvertAll(Reference, v => v + 3e-7);
        var result = new TapJudge(new ToleranceRule(new Tolerance(1e-6, 0))).Judge("t", "image", [4], candidate, Reference, Torch32);
        Assert.True(result.Passed);
        Assert.Equal(3, result.Ratio, 6);
        Assert.Equal(new Torch32RatioRule().Bound(new Float32Noise([ErrorMetrics.RmsError(Torch32, Reference)], 4), ErrorMetrics.Rms(Reference)), result.Bound, 15);
    }

    [Fact]
    public void BadReferenceIsBadInput()
    {
        var judge = new TapJudge(new Torch32RatioRule());
        Assert.Throws<ArgumentException>(() => judge.Judge("t", "image", [4], Reference, Reference, [1.0, double.NaN, 0.5, 4.0]));
        Assert.Throws<ArgumentException>(() => judge.Judge("t", "image", [4], Reference, Reference, [1.0]));
    }
}
