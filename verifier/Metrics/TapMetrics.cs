using System.Buffers;
using System.Runtime.InteropServices;

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
    public static TapMetrics Compute(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference, IReadOnlyList<long> shape) =>
        Compute(candidate, reference, shape, ReadOnlySpan<double>.Empty, out _);

    /// <summary>
    /// The metrics of a float32 or float64 candidate (float32 values widened exactly, as if widened beforehand), and
    /// in the same pass sum (t - r)^2 over PyTorch's float32 result <paramref name="torch32"/> (when not empty).
    /// </summary>
    /// <param name="torch32Error">sum (t - r)^2 and whether every t is finite (0 and true without torch32)</param>
    internal static TapMetrics Compute<T, TTorch>(ReadOnlySpan<T> candidate, ReadOnlySpan<double> reference, IReadOnlyList<long> shape,
        ReadOnlySpan<TTorch> torch32, out (double SquaredError, bool Finite) torch32Error) where T : unmanaged where TTorch : unmanaged
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
        var n = candidate.Length;
        var (virtualIndex, previousIndex) = Percentile.Position(n, ErrorMetrics.ReportedPercentile);
        // The percentile needs only the |c - r| from just under it upwards (a few in a thousand): a threshold from a
        // sample of every 64th error, and the pass gathers those at or above it. Small taps gather every error.
        var threshold = n >= Percentile.PrefilterMinimum ? SampleThreshold(candidate, reference, previousIndex) : null;
        var pool = ArrayPool<double>.Shared;
        var tail = pool.Rent(threshold is null ? n : Percentile.TailCapacity(n, previousIndex));
        try
        {
            var pass = ErrorPass.Run(candidate, reference, torch32, threshold ?? 0, tail);
            torch32Error = (pass.Torch32SquaredError, torch32.IsEmpty || pass.Torch32Finite);
            if (pass.FirstNonFiniteReference >= 0)
            {
                var bad = pass.FirstNonFiniteReference;
                throw new ArgumentException(
                    $"the reference holds {reference[bad]} at {MultiIndex.Format(MultiIndex.FromFlat(bad, shape))}");
            }
            var referenceRms = Math.Sqrt(pass.SumReferenceSquares / n);
            if (pass.FirstNonFiniteCandidate >= 0)
            {
                var first = pass.FirstNonFiniteCandidate;
                var at = new WorstElement(first, MultiIndex.FromFlat(first, shape), Widened(candidate, first), reference[first]);
                var inf = double.PositiveInfinity;
                return new TapMetrics(count, inf, inf, inf, inf, inf, double.NaN, double.NegativeInfinity,
                    referenceRms, at, pass.NonFiniteCandidates);
            }
            // The gathered errors give the percentile exactly when the order statistic is among them; when the sample's
            // threshold turns out too high (or too low to be worth it), every error is selected over instead.
            var percentile = pass.TailOverflow || pass.Below > previousIndex || previousIndex >= n - 1
                ? FromAllErrors(candidate, reference)
                : Percentile.FromTail(tail.AsSpan(0, pass.Gathered), virtualIndex, previousIndex, pass.Below);
            // The first element with the largest error, as numpy's argmax.
            var worst = pass.WorstIndex;
            return new TapMetrics(
                count,
                pass.MaxAbsError,
                pass.SumAbsError / n,
                pass.MaxRelativeError,
                Math.Sqrt(pass.SumSquaredError / n),
                percentile,
                ErrorMetrics.Cosine(pass.Dot, pass.SumCandidateSquares, pass.SumReferenceSquares),
                ErrorMetrics.Sqnr(pass.SumReferenceSquares, pass.SumSquaredError),
                referenceRms,
                new WorstElement(worst, MultiIndex.FromFlat(worst, shape), Widened(candidate, worst), reference[worst]),
                NonFiniteCount: 0);
        }
        finally
        {
            pool.Return(tail);
        }
    }

    /// <summary>The prefilter threshold from |c - r| at every <see cref="Percentile.SampleStride"/>-th element
    /// (the values <see cref="Percentile.Linear(Span{double}, double)"/> would sample), or null.</summary>
    private static double? SampleThreshold<T>(ReadOnlySpan<T> candidate, ReadOnlySpan<double> reference, int previousIndex) where T : unmanaged
    {
        var count = candidate.Length / Percentile.SampleStride;
        var sample = ArrayPool<double>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var at = i * Percentile.SampleStride;
                sample[i] = Math.Abs(Widened(candidate, at) - reference[at]);
            }
            // A non-finite sample (a candidate with NaN/Inf, which gets no percentile) leaves nothing to gain.
            var threshold = Percentile.Threshold(sample.AsSpan(0, count), candidate.Length, previousIndex);
            return threshold is { } t && double.IsFinite(t) ? t : null;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sample);
        }
    }

    private static double FromAllErrors<T>(ReadOnlySpan<T> candidate, ReadOnlySpan<double> reference) where T : unmanaged
    {
        var errors = ArrayPool<double>.Shared.Rent(candidate.Length);
        try
        {
            for (var i = 0; i < candidate.Length; i++)
            {
                errors[i] = Math.Abs(Widened(candidate, i) - reference[i]);
            }
            return Percentile.Linear(errors.AsSpan(0, candidate.Length), ErrorMetrics.ReportedPercentile, prefilter: false);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(errors);
        }
    }

    private static double Widened<T>(ReadOnlySpan<T> values, int index) where T : unmanaged =>
        typeof(T) == typeof(float) ? MemoryMarshal.Cast<T, float>(values)[index] : MemoryMarshal.Cast<T, double>(values)[index];
}
