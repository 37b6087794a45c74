using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Tests;

/// <summary>Every metric, the ratio rule and the tolerance rule agree with numpy on fixtures/verifier's cases.</summary>
public class MetricsAgainstNumpyTests
{
    // numpy sums pairwise, we sum compensated: the two agree to a few ulps, far inside 1e-12.
    private const double RelativeTolerance = 1e-12;

    public static TheoryData<string> Cases => MetricCase.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryMetricMatchesNumpy(string name)
    {
        var c = MetricCase.Named(name);
        var m = TapMetrics.Compute(c.Candidate, c.Reference, c.Shape);

        Close(c.Number("max_abs_error"), m.MaxAbsError);
        Close(c.Number("mean_abs_error"), m.MeanAbsError);
        Close(c.Number("max_rel_error"), m.MaxRelativeError);
        Close(c.Number("rms_error"), m.RmsError);
        Close(c.Number("abs_error_p999"), m.AbsErrorP999);
        Close(c.Number("cosine_similarity"), m.CosineSimilarity);
        Close(c.Number("sqnr_db"), m.SqnrDb);
        Close(c.Number("reference_rms"), m.ReferenceRms);
        Assert.Equal(c.Expected.GetProperty("worst_flat_index").GetInt64(), m.Worst.FlatIndex);
        Assert.Equal(c.Expected.GetProperty("worst_index").EnumerateArray().Select(v => v.GetInt64()), m.Worst.Index);
        Assert.Equal(c.Number("worst_candidate"), m.Worst.Candidate);
        Assert.Equal(c.Number("worst_reference"), m.Worst.Reference);
        Assert.Equal(0, m.NonFiniteCount);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RatioRuleMatchesNumpy(string name)
    {
        var c = MetricCase.Named(name);
        var result = new TapJudge(new Torch32RatioRule()).Judge(c.Name, "image", c.Shape, c.Candidate, c.Reference, c.Torch32);

        Close(c.Number("torch32_rms_error"), result.Torch32RmsError);
        Close(c.Number("ratio"), result.Ratio);
        // One float32 run (no perturbed runs): the noise scale is its RMS error, the bound 2 q of it plus the floor.
        var noise = Assert.IsType<Float32Noise>(result.Noise);
        Close(c.Number("torch32_rms_error"), noise.Scale);
        Close((2 * noise.PredictionFactor(1e-6) * noise.Scale) + c.Number("floor"), result.Bound);
        Assert.Equal(result.Metrics!.RmsError <= result.Bound, result.Passed);
        Assert.Equal(result.Passed, result.Reason is null);
        if (name is "ratio_fails" or "ratio_passes")
        {
            Assert.Equal(name == "ratio_passes", result.Passed);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToleranceRuleMatchesNumpy(string name)
    {
        var c = MetricCase.Named(name);
        var tolerance = new Tolerance(c.Tolerance("atol"), c.Tolerance("rtol"));
        var result = new TapJudge(new ToleranceRule(tolerance)).Judge(c.Name, "text", c.Shape, c.Candidate, c.Reference, c.Torch32);

        var outcome = Assert.IsType<ToleranceOutcome>(result.Tolerance);
        Assert.Equal(tolerance, outcome.Applied);
        Assert.Equal((long)c.Tolerance("mismatch_count"), outcome.MismatchCount);
        Assert.Equal(outcome.MismatchCount == 0, result.Passed);
        Close(c.Tolerance("minimum_atol"), outcome.MinimumAtol);
        Close(c.Tolerance("minimum_rtol"), outcome.MinimumRtol);
    }

    [Fact]
    public void TheCasesCoverTheEdges()
    {
        Assert.Equal(double.PositiveInfinity, MetricCase.Named("exact_match").Number("sqnr_db"));
        Assert.Equal(double.NegativeInfinity, MetricCase.Named("all_zero_reference").Number("sqnr_db"));
        Assert.Equal(4, MetricCase.Named("worst_in_4d").Shape.Length);
        Assert.Contains(MetricCase.Named("zeros_in_reference").Reference, v => v == 0);
        Assert.All(MetricCase.Named("negative_values").Reference, v => Assert.True(v < 0));
    }

    private static void Close(double expected, double actual)
    {
        if (!double.IsFinite(expected) || expected == 0)
        {
            Assert.Equal(expected, actual);
            return;
        }
        Assert.True(Math.Abs(actual - expected) <= RelativeTolerance * Math.Abs(expected),
            $"expected {expected:R}, got {actual:R} (relative difference {Math.Abs(actual - expected) / Math.Abs(expected):E2})");
    }
}
