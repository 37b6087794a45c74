using MathNet.Numerics;

namespace ClipTools.Verifier.Metrics;

/// <summary>
/// Upper quantiles of Fisher's F distribution. MathNet's own <c>FisherSnedecor.InvCDF</c> searches a bounded
/// interval and fails for the far tails this verifier needs (a 1e-6 tail with one degree of freedom is ~4e11), so
/// the quantile is found here by bisection on log x of the upper tail, computed without cancellation as
/// P(X &gt; x) = I_{d2 / (d2 + d1 x)}(d2 / 2, d1 / 2).
/// </summary>
public static class FisherQuantile
{
    /// <summary>The x with P(X &gt; x) = <paramref name="tail"/> for X ~ F(<paramref name="d1"/>, <paramref name="d2"/>).</summary>
    public static double Upper(double d1, double d2, double tail)
    {
        if (!(d1 > 0 && d2 > 0) || !(tail is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(tail), $"F({d1}, {d2}) upper tail {tail}: degrees of freedom must be positive and the tail in (0, 1)");
        }
        double lo = Math.Log(1e-12), hi = Math.Log(1e300);
        for (var i = 0; i < 200 && hi - lo > 1e-12; i++)
        {
            var mid = (lo + hi) / 2;
            if (UpperTail(Math.Exp(mid), d1, d2) > tail)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
        return Math.Exp((lo + hi) / 2);
    }

    /// <summary>P(X &gt; x) for X ~ F(d1, d2).</summary>
    public static double UpperTail(double x, double d1, double d2) =>
        SpecialFunctions.BetaRegularized(d2 / 2, d1 / 2, d2 / (d2 + (d1 * x)));
}
