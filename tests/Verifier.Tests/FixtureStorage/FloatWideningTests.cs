using System.Runtime.InteropServices;
using ClipTools.Verifier.Fixtures;

namespace ClipTools.Verifier.Tests.FixtureStorage;

/// <summary>float32 to float64 widening, into another buffer and in place from the destination's upper half.</summary>
public sealed class FloatWideningTests
{
    private static float[] Values(int n)
    {
        var random = new Random(n);
        float[] special = [0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e-39f];
        return [.. Enumerable.Range(0, n).Select(i => i < special.Length ? special[i] : (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30))))];
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(31)]
    [InlineData(1000)]
    public void WidensExactly(int n)
    {
        var source = Values(n);
        var destination = new double[n];

        FloatWidening.Widen(source, destination);

        Assert.Equal(source.Select(v => (double)v), destination);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(17)]
    [InlineData(1001)]
    public void WidensInPlaceFromTheUpperHalf(int n)
    {
        var source = Values(n);
        var destination = new double[n];
        var upper = MemoryMarshal.Cast<double, float>(destination.AsSpan())[n..];
        source.CopyTo(upper);

        FloatWidening.Widen(upper, destination);

        Assert.Equal(source.Select(v => BitConverter.DoubleToInt64Bits(v)), destination.Select(BitConverter.DoubleToInt64Bits));
    }
}
