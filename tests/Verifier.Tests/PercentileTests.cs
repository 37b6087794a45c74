using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Tests;

/// <summary>Large arrays take the tail prefilter; its result must be the full sort's, for any percentile.</summary>
public sealed class PercentileTests
{
    [Theory]
    [InlineData(100_000, 99.9, 1)]
    [InlineData(100_000, 99.9, 2)]
    [InlineData(50_001, 99.9, 3)]
    [InlineData(40_000, 50, 4)]
    [InlineData(40_000, 0.5, 5)]
    [InlineData(1_000_003, 99.9, 6)]
    public void LargeArraysGiveTheSortedArraysPercentile(int n, double percentile, int seed)
    {
        var random = new Random(seed);
        // Errors as a verification sees them: many exact zeros, repeated values, a long tail.
        var values = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? 0.0 : i % 5 == 0 ? 1e-7 : Math.Abs(random.NextDouble() - 0.5) * Math.Exp(4 * random.NextDouble())).ToArray();
        var sorted = values.Order().ToArray();
        var virtualIndex = (n - 1) * (percentile / 100);
        var lower = (int)Math.Floor(virtualIndex);
        var gamma = virtualIndex - lower;
        var difference = sorted[lower + 1] - sorted[lower];
        var expected = gamma >= 0.5 ? sorted[lower + 1] - difference * (1 - gamma) : sorted[lower] + difference * gamma;

        Assert.Equal(expected, Percentile.Linear(values, percentile));
    }

    [Fact]
    public void AConstantArrayHasThatValueAtEveryPercentile()
    {
        var values = Enumerable.Repeat(0.25, 70_000).ToArray();
        Assert.Equal(0.25, Percentile.Linear(values, 99.9));
    }
}
