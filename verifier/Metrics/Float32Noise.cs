namespace ClipTools.Verifier.Metrics;

/// <summary>
/// What float32 noise at one tap looks like: the RMS errors against the float64 reference of several float32 runs
/// with different but equally valid numerics (PyTorch's plain float32 run, plus the fixture's perturbed runs, where
/// every weight and input moved by 0 or 1 ulp; docs/judgement.md). Each squared RMS error is modelled as
/// sigma^2 chi^2_nu / nu: <see cref="Scale"/> estimates sigma from all runs pooled, <see cref="DegreesOfFreedom"/>
/// estimates nu, how many independent error terms a tap really averages (a scalar has one; six logits computed from
/// the same features have fewer than six).
/// </summary>
public sealed record Float32Noise(IReadOnlyList<double> RmsErrors, long ElementCount)
{
    /// <summary>How many runs the estimate pools.</summary>
    public int Runs => RmsErrors.Count;

    /// <summary>sqrt(mean(r_m^2)): the pooled RMS float32 error.</summary>
    public double Scale => Math.Sqrt(RmsErrors.Average(r => r * r));

    /// <summary>
    /// nu, by the method of moments on the runs (a scaled chi^2_nu has variance/mean^2 = 2 / nu), between 1 and the
    /// element count; the element count when only one run exists (an old fixture) or all runs agree exactly.
    /// </summary>
    public double DegreesOfFreedom
    {
        get
        {
            var n = Math.Max(1, ElementCount);
            if (Runs < 2)
            {
                return n;
            }
            var squares = RmsErrors.Select(r => r * r).ToArray();
            var mean = squares.Average();
            var variance = squares.Sum(s => (s - mean) * (s - mean)) / (Runs - 1);
            if (mean == 0 || variance == 0)
            {
                return n;
            }
            return Math.Clamp(2 * mean * mean / variance, 1, n);
        }
    }

    /// <summary>
    /// How far above <see cref="Scale"/> a new run's RMS error may lie with probability 1 - <paramref name="tail"/>:
    /// its squared ratio to the pooled estimate is F(nu, runs x nu) distributed.
    /// </summary>
    public double PredictionFactor(double tail)
    {
        var nu = DegreesOfFreedom;
        return Math.Sqrt(FisherQuantile.Upper(nu, Runs * nu, tail));
    }
}
