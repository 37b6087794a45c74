using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Tests;

/// <summary>Behaviour the numpy cases cannot show: NaN/Inf, bad input, the percentile's selection, indices.</summary>
public class ErrorMetricsTests
{
    [Fact]
    public void NonFiniteCandidateIsCountedAndLocatedNotAveraged()
    {
        double[] reference = [1, 2, 3, 4, 5, 6];
        double[] candidate = [1, 2, double.PositiveInfinity, 4, double.NaN, 6];

        var m = TapMetrics.Compute(candidate, reference, [2, 3]);

        Assert.True(m.HasNonFinite);
        Assert.Equal(2, m.NonFiniteCount);
        Assert.Equal(2, m.Worst.FlatIndex);
        Assert.Equal([0L, 2L], m.Worst.Index);
        Assert.Equal(double.PositiveInfinity, m.Worst.Candidate);
        Assert.Equal(double.PositiveInfinity, m.RmsError);
        Assert.Equal(double.PositiveInfinity, m.MaxAbsError);
        Assert.Equal(double.NegativeInfinity, m.SqnrDb);
        Assert.True(double.IsNaN(m.CosineSimilarity));
    }

    [Fact]
    public void NonFiniteReferenceIsBadInput()
    {
        var e = Assert.Throws<ArgumentException>(() => TapMetrics.Compute([1.0, 2.0], [1.0, double.NaN], [1, 2]));
        Assert.Contains("[0, 1]", e.Message);
    }

    [Fact]
    public void LengthsThatContradictTheShapeAreBadInput()
    {
        Assert.Throws<ArgumentException>(() => TapMetrics.Compute([1.0, 2.0], [1.0, 2.0], [3]));
        Assert.Throws<ArgumentException>(() => TapMetrics.Compute([1.0, 2.0], [1.0], [2]));
        Assert.Throws<ArgumentException>(() => ErrorMetrics.RmsError([1.0, 2.0], [1.0]));
        Assert.Throws<ArgumentException>(() => TapMetrics.Compute([], [], [0, 3]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(4097)]
    public void PercentileSelectsAsASortWould(int n)
    {
        var random = new Random(n);
        // Repeated values too: quickselect must survive ties.
        var values = Enumerable.Range(0, n).Select(_ => Math.Round(random.NextDouble() * 50) / 7).ToArray();
        var sorted = values.OrderBy(v => v).ToArray();
        foreach (var p in new[] { 0, 10, 50, 99, 99.9, 100 })
        {
            var index = p / 100 * (n - 1);
            var lo = (int)Math.Floor(index);
            var hi = Math.Min(lo + 1, n - 1);
            var expected = sorted[lo] + ((sorted[hi] - sorted[lo]) * (index - lo));
            Assert.Equal(expected, Percentile.Linear((double[])values.Clone(), p), 12);
        }
    }

    [Fact]
    public void PercentileRejectsNonsense()
    {
        Assert.Throws<ArgumentException>(() => Percentile.Linear([], 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentile.Linear([1.0], 100.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentile.Linear([1.0], double.NaN));
    }

    [Fact]
    public void MultiIndexIsRowMajor()
    {
        Assert.Equal([1L, 2L, 3L, 4L], MultiIndex.FromFlat((((((1 * 3) + 2) * 5) + 3) * 7) + 4, [2, 3, 5, 7]));
        Assert.Equal([0L], MultiIndex.FromFlat(0, [1]));
        Assert.Empty(MultiIndex.FromFlat(0, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => MultiIndex.FromFlat(6, [2, 3]));
    }

    [Fact]
    public void CosineOfZeroArraysIsDefined()
    {
        Assert.Equal(1, ErrorMetrics.CosineSimilarity([0.0, 0.0], [0.0, 0.0]));
        Assert.Equal(0, ErrorMetrics.CosineSimilarity([0.0, 0.0], [1.0, 0.0]));
        Assert.Equal(-1, ErrorMetrics.CosineSimilarity([-2.0, 0.0], [1.0, 0.0]));
    }

    [Fact]
    public void CompensatedSumsStayAccurateOverManyElements()
    {
        // 10^7 squared errors of 0.1: a naive running sum drifts by ~1e-10 relative, ours by ~1e-16.
        var n = 10_000_000;
        var reference = new double[n];
        var candidate = Enumerable.Repeat(0.1, n).ToArray();
        Assert.Equal(0.1, ErrorMetrics.RmsError(candidate, reference), 15);
        Assert.Equal(0.1, ErrorMetrics.MeanAbsError(candidate, reference), 15);
    }
}
