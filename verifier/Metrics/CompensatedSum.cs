namespace ClipTools.Verifier.Metrics;

/// <summary>
/// Neumaier's compensated summation: the running sum plus the low-order bits each addition lost. A naive sum of
/// millions of squared errors drifts by ~n ulps; this one stays within a few ulps of the exact sum.
/// </summary>
internal struct CompensatedSum
{
    private double _sum;
    private double _compensation;

    public readonly double Value => _sum + _compensation;

    public void Add(double value)
    {
        var t = _sum + value;
        _compensation += Math.Abs(_sum) >= Math.Abs(value) ? (_sum - t) + value : (value - t) + _sum;
        _sum = t;
    }
}
