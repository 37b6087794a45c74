using System.Buffers;

namespace ClipTools.Verifier.Metrics;

/// <summary>
/// Every error statistic of one tap's candidate activation against its float64 reference.
/// <para>
/// A candidate with NaN or Inf is not averaged into meaningless numbers: <see cref="NonFiniteCount"/> counts those
/// elements, <see cref="Worst"/> is the first of them, the error magnitudes are +inf, the cosine NaN and the SQNR
/// -inf, so that no rule can pass the tap and every report shows why.
/// </para>
/// </summary>
public sealed record TapMetrics(
    long Count,
    double MaxAbsError,
    double MeanAbsError,
    double MaxRelativeError,
    double RmsError,
    double AbsErrorP999,
    double CosineSimilarity,
    double SqnrDb,
    double ReferenceRms,
    WorstElement Worst,
    long NonFiniteCount)
{
    public bool HasNonFinite => NonFiniteCount > 0;

    /// <summary>RMS error relative to the reference's RMS (the scale-free error the plot draws); the absolute RMS
    /// error where the reference is all zeros.</summary>
    public double RelativeRmsError => ReferenceRms > 0 ? RmsError / ReferenceRms : RmsError;

    /// <exception cref="ArgumentException">
    /// Lengths differ from each other or from the shape's element count, the array is empty, or the reference
    /// holds NaN/Inf (a broken fixture, not a failing candidate).
    /// </exception>
    public static TapMetrics Compute(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference, IReadOnlyList<long> shape)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (candidate.Length != count || reference.Length != count)
        {
            throw new ArgumentException(
                $"shape {MultiIndex.Format(shape)} has {count} elements; candidate has {candidate.Length}, reference {reference.Length}");
        }
        if (count == 0)
        {
            throw new ArgumentException("an empty tap has no error statistics");
        }
        // One pass over both arrays; the |c - r| it writes are reordered by the percentile's selection afterwards.
        var errors = ArrayPool<double>.Shared.Rent(candidate.Length);
        try
        {
            var pass = ErrorPass.Run(candidate, reference, errors.AsSpan(0, candidate.Length));
            if (pass.FirstNonFiniteReference >= 0)
            {
                var bad = pass.FirstNonFiniteReference;
                throw new ArgumentException(
                    $"the reference holds {reference[bad]} at {MultiIndex.Format(MultiIndex.FromFlat(bad, shape))}");
            }
            var n = candidate.Length;
            var referenceRms = Math.Sqrt(pass.SumReferenceSquares / n);
            if (pass.FirstNonFiniteCandidate >= 0)
            {
                var first = pass.FirstNonFiniteCandidate;
                var at = new WorstElement(first, MultiIndex.FromFlat(first, shape), candidate[first], reference[first]);
                var inf = double.PositiveInfinity;
                return new TapMetrics(count, inf, inf, inf, inf, inf, double.NaN, double.NegativeInfinity,
                    referenceRms, at, pass.NonFiniteCandidates);
            }
            // The first element with the largest error, as numpy's argmax (before the selection reorders errors).
            var worst = errors.AsSpan(0, n).IndexOf(pass.MaxAbsError);
            return new TapMetrics(
                count,
                pass.MaxAbsError,
                pass.SumAbsError / n,
                pass.MaxRelativeError,
                Math.Sqrt(pass.SumSquaredError / n),
                Percentile.Linear(errors.AsSpan(0, n), ErrorMetrics.ReportedPercentile),
                ErrorMetrics.Cosine(pass.Dot, pass.SumCandidateSquares, pass.SumReferenceSquares),
                ErrorMetrics.Sqnr(pass.SumReferenceSquares, pass.SumSquaredError),
                referenceRms,
                new WorstElement(worst, MultiIndex.FromFlat(worst, shape), candidate[worst], reference[worst]),
                NonFiniteCount: 0);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(errors);
        }
    }

}
