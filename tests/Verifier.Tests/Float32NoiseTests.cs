using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Tests;

public class Float32NoiseTests
{
    [Theory]
    // Closed forms: F(1, 1) is tan^2 of a uniform angle, so its upper 1e-6 quantile is tan^2(pi/2 (1 - 1e-6));
    // F(2, d) has upper tail (1 + 2x/d)^(-d/2), so its quantile is d/2 (1e-6^(-2/d) - 1).
    [InlineData(1, 1, 4.052847345693e11)]
    [InlineData(2, 2, 999999)]
    [InlineData(2, 18, 32.774287)]
    public void FisherUpperQuantileMatchesKnownValues(double d1, double d2, double expected)
    {
        var x = FisherQuantile.Upper(d1, d2, 1e-6);
        Assert.Equal(expected, x, expected * 1e-4);
        Assert.Equal(1e-6, FisherQuantile.UpperTail(x, d1, d2), 1e-9);
    }

    [Fact]
    public void TheScaleIsTheRmsOfTheRunsRmsErrors()
    {
        var noise = new Float32Noise([3e-7, 4e-7], 100);
        Assert.Equal(Math.Sqrt(12.5e-14), noise.Scale, Math.Sqrt(12.5e-14) * 1e-12);
    }

    [Fact]
    public void DegreesOfFreedomAreAtMostTheElementCountAndAtLeastOne()
    {
        // Runs that agree closely: many independent error terms, capped by the element count.
        Assert.Equal(6, new Float32Noise([1.00e-7, 1.01e-7, 0.99e-7, 1.0e-7], 6).DegreesOfFreedom);
        // Runs that spread wildly (one error term): nu falls to 1.
        Assert.Equal(1, new Float32Noise([1e-9, 3e-7, 1e-8, 2e-9, 5e-9], 6).DegreesOfFreedom);
        // One run (an old fixture): the element count is all there is to go on.
        Assert.Equal(50, new Float32Noise([1e-7], 50).DegreesOfFreedom);
    }

    [Fact]
    public void AScalarGetsAWideBoundAndALargeTapANarrowOne()
    {
        double[] runs = [1e-7, 0.5e-7, 1.5e-7, 0.2e-7, 1.1e-7, 0.9e-7, 2e-7, 0.7e-7, 1.3e-7];
        var scalar = new Float32Noise(runs, 1);
        Assert.InRange(scalar.PredictionFactor(1e-6), 11, 12.5);   // sqrt(F(1, 9) quantile) = 11.64
        double[] tight = [1.00e-7, 1.02e-7, 0.98e-7, 1.01e-7, 0.99e-7, 1.00e-7, 1.03e-7, 0.97e-7, 1.00e-7];
        var large = new Float32Noise(tight, 100_000);
        Assert.InRange(large.PredictionFactor(1e-6), 1, 1.2);
    }
}
