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
        var firstBadReference = FirstNonFinite(reference);
        if (firstBadReference >= 0)
        {
            throw new ArgumentException(
                $"the reference holds {reference[firstBadReference]} at {MultiIndex.Format(MultiIndex.FromFlat(firstBadReference, shape))}");
        }

        var firstNonFinite = FirstNonFinite(candidate);
        if (firstNonFinite >= 0)
        {
            var nonFinite = 0L;
            foreach (var v in candidate)
            {
                nonFinite += double.IsFinite(v) ? 0 : 1;
            }
            var at = new WorstElement(firstNonFinite, MultiIndex.FromFlat(firstNonFinite, shape), candidate[firstNonFinite], reference[firstNonFinite]);
            var inf = double.PositiveInfinity;
            return new TapMetrics(count, inf, inf, inf, inf, inf, double.NaN, double.NegativeInfinity,
                ErrorMetrics.Rms(reference), at, nonFinite);
        }

        return new TapMetrics(
            count,
            ErrorMetrics.MaxAbsError(candidate, reference),
            ErrorMetrics.MeanAbsError(candidate, reference),
            ErrorMetrics.MaxRelativeError(candidate, reference),
            ErrorMetrics.RmsError(candidate, reference),
            ErrorMetrics.AbsErrorPercentile(candidate, reference, ErrorMetrics.ReportedPercentile),
            ErrorMetrics.CosineSimilarity(candidate, reference),
            ErrorMetrics.SqnrDb(candidate, reference),
            ErrorMetrics.Rms(reference),
            ErrorMetrics.Worst(candidate, reference, shape),
            NonFiniteCount: 0);
    }

    private static int FirstNonFinite(ReadOnlySpan<double> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                return i;
            }
        }
        return -1;
    }
}
