namespace ClipTools.Verifier.Metrics;

/// <summary>
/// Error statistics of a candidate array against a reference array of the same length (both row-major, float64).
/// Every function is pure and assumes finite values: <see cref="TapMetrics.Compute"/> screens for NaN/Inf first.
/// Sums are compensated (Neumaier) so that a 50M-element tap sums as accurately as numpy's pairwise sum or better.
/// </summary>
public static class ErrorMetrics
{
    /// <summary>
    /// Floor of the relative error's denominator, max(|reference|, floor): the smallest normal float32 (2^-126), so
    /// an exact zero in the reference that the candidate also hits exactly counts as 0, and one it misses gives a
    /// huge but finite relative error instead of a division by zero.
    /// </summary>
    public const double RelativeErrorFloor = 1.1754943508222875e-38;

    /// <summary>The percentile of |candidate - reference| that <see cref="TapMetrics"/> reports.</summary>
    public const double ReportedPercentile = 99.9;

    /// <summary>max |c - r|.</summary>
    public static double MaxAbsError(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference)
    {
        CheckLengths(candidate, reference);
        var max = 0.0;
        for (var i = 0; i < candidate.Length; i++)
        {
            max = Math.Max(max, Math.Abs(candidate[i] - reference[i]));
        }
        return max;
    }

    /// <summary>mean |c - r|.</summary>
    public static double MeanAbsError(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference)
    {
        CheckLengths(candidate, reference);
        var sum = new CompensatedSum();
        for (var i = 0; i < candidate.Length; i++)
        {
            sum.Add(Math.Abs(candidate[i] - reference[i]));
        }
        return candidate.Length == 0 ? 0 : sum.Value / candidate.Length;
    }

    /// <summary>max |c - r| / max(|r|, <see cref="RelativeErrorFloor"/>).</summary>
    public static double MaxRelativeError(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference)
    {
        CheckLengths(candidate, reference);
        var max = 0.0;
        for (var i = 0; i < candidate.Length; i++)
        {
            max = Math.Max(max, Math.Abs(candidate[i] - reference[i]) / Math.Max(Math.Abs(reference[i]), RelativeErrorFloor));
        }
        return max;
    }

    /// <summary>sqrt(mean((c - r)^2)).</summary>
    public static double RmsError(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference)
    {
        CheckLengths(candidate, reference);
        return candidate.Length == 0 ? 0 : Math.Sqrt(SumSquaredError(candidate, reference) / candidate.Length);
    }

    /// <summary>sqrt(mean(x^2)): the scale of an activation, used for the ulp floor and relative plots.</summary>
    public static double Rms(ReadOnlySpan<double> values) =>
        values.Length == 0 ? 0 : Math.Sqrt(SumSquares(values) / values.Length);

    /// <summary>
    /// The <paramref name="percentile"/>-th percentile of |c - r|, by numpy's default method ("linear", Hyndman and
    /// Fan type 7): index p/100 * (n - 1) into the sorted errors, interpolated between its two neighbours.
    /// </summary>
    public static double AbsErrorPercentile(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference, double percentile)
    {
        CheckLengths(candidate, reference);
        var errors = new double[candidate.Length];
        for (var i = 0; i < errors.Length; i++)
        {
            errors[i] = Math.Abs(candidate[i] - reference[i]);
        }
        return Percentile.Linear(errors, percentile);
    }

    /// <summary>
    /// sum(c * r) / (|c| |r|). Two all-zero arrays are identical (1); one all-zero array against a nonzero one
    /// has no direction in common (0), where numpy would give NaN.
    /// </summary>
    public static double CosineSimilarity(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference)
    {
        CheckLengths(candidate, reference);
        var dot = new CompensatedSum();
        for (var i = 0; i < candidate.Length; i++)
        {
            dot.Add(candidate[i] * reference[i]);
        }
        return Cosine(dot.Value, SumSquares(candidate), SumSquares(reference));
    }

    /// <summary>The cosine from sum(c r), sum c^2 and sum r^2 (see <see cref="CosineSimilarity"/>).</summary>
    public static double Cosine(double dot, double candidateSquares, double referenceSquares)
    {
        var candidateNorm = Math.Sqrt(candidateSquares);
        var referenceNorm = Math.Sqrt(referenceSquares);
        if (candidateNorm == 0 || referenceNorm == 0)
        {
            return candidateNorm == referenceNorm ? 1 : 0;
        }
        // Rounding can push a perfect match a hair above 1; a cosine is never more than 1.
        return Math.Clamp(dot / (candidateNorm * referenceNorm), -1, 1);
    }

    /// <summary>
    /// Signal-to-quantisation-noise ratio, 10 log10(sum r^2 / sum (c - r)^2) in dB: +inf when the candidate is
    /// exact, -inf when the reference is all zeros and the candidate is not.
    /// </summary>
    public static double SqnrDb(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference)
    {
        CheckLengths(candidate, reference);
        return Sqnr(SumSquares(reference), SumSquaredError(candidate, reference));
    }

    /// <summary>The SQNR from sum r^2 and sum (c - r)^2 (see <see cref="SqnrDb"/>).</summary>
    public static double Sqnr(double referenceSquares, double noise) =>
        noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(referenceSquares / noise);

    /// <summary>The element with the largest |c - r| (the first such in row-major order, as numpy's argmax).</summary>
    public static WorstElement Worst(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference, IReadOnlyList<long> shape)
    {
        CheckLengths(candidate, reference);
        if (candidate.Length == 0)
        {
            throw new ArgumentException("an empty array has no worst element");
        }
        var worst = 0;
        var max = -1.0;
        for (var i = 0; i < candidate.Length; i++)
        {
            var error = Math.Abs(candidate[i] - reference[i]);
            if (error > max)
            {
                max = error;
                worst = i;
            }
        }
        return new WorstElement(worst, MultiIndex.FromFlat(worst, shape), candidate[worst], reference[worst]);
    }

    private static double SumSquaredError(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference)
    {
        var sum = new CompensatedSum();
        for (var i = 0; i < candidate.Length; i++)
        {
            var d = candidate[i] - reference[i];
            sum.Add(d * d);
        }
        return sum.Value;
    }

    private static double SumSquares(ReadOnlySpan<double> values)
    {
        var sum = new CompensatedSum();
        foreach (var v in values)
        {
            sum.Add(v * v);
        }
        return sum.Value;
    }

    private static void CheckLengths(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference)
    {
        if (candidate.Length != reference.Length)
        {
            throw new ArgumentException($"candidate has {candidate.Length} elements, reference {reference.Length}");
        }
    }
}
