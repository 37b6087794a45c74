using System.Runtime.Intrinsics;

namespace ClipTools.Verifier.Metrics;

/// <summary>
/// Everything <see cref="TapMetrics"/> needs from a candidate and its reference, in one vectorised pass: the
/// compensated sums of |c - r|, (c - r)^2, r^2, c^2 and c r (Neumaier, one compensated accumulator per vector
/// lane, the lanes added at the end: within a few ulps of the sequential sum, as numpy's pairwise sum is), the
/// largest |c - r| and |c - r| / max(|r|, floor), the first non-finite value of either array, and every |c - r|
/// written to <c>errors</c> for the percentile.
/// </summary>
internal ref struct ErrorPass
{
    public double SumAbsError;
    public double SumSquaredError;
    public double SumReferenceSquares;
    public double SumCandidateSquares;
    public double Dot;
    public double MaxAbsError;
    public double MaxRelativeError;

    /// <summary>First index of a NaN/Inf in the reference, or -1.</summary>
    public int FirstNonFiniteReference;

    /// <summary>First index of a NaN/Inf in the candidate, or -1, and how many there are.</summary>
    public int FirstNonFiniteCandidate;
    public long NonFiniteCandidates;

    public static ErrorPass Run(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference, Span<double> errors)
    {
        var pass = new ErrorPass { FirstNonFiniteReference = -1, FirstNonFiniteCandidate = -1 };
        var n = candidate.Length;
        var i = 0;
        var absSum = new Compensated4();
        var sqSum = new Compensated4();
        var refSum = new Compensated4();
        var candSum = new Compensated4();
        var dotSum = new Compensated4();
        var maxAbs = Vector256<double>.Zero;
        var maxRel = Vector256<double>.Zero;
        var floor = Vector256.Create(ErrorMetrics.RelativeErrorFloor);
        var finiteLimit = Vector256.Create(double.MaxValue);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4)
            {
                var c = Vector256.Create(candidate.Slice(i, 4));
                var r = Vector256.Create(reference.Slice(i, 4));
                // |x| <= MaxValue is false for NaN and +-Inf: a block with one goes to the exact scalar path below.
                var finite = Vector256.LessThanOrEqual(Vector256.Abs(c), finiteLimit) & Vector256.LessThanOrEqual(Vector256.Abs(r), finiteLimit);
                if (finite.AsUInt64() != Vector256<ulong>.AllBitsSet)
                {
                    break;
                }
                var d = c - r;
                var abs = Vector256.Abs(d);
                abs.CopyTo(errors.Slice(i, 4));
                absSum.Add(abs);
                sqSum.Add(d * d);
                refSum.Add(r * r);
                candSum.Add(c * c);
                dotSum.Add(c * r);
                maxAbs = Vector256.Max(maxAbs, abs);
                maxRel = Vector256.Max(maxRel, abs / Vector256.Max(Vector256.Abs(r), floor));
            }
        }
        var sAbs = new CompensatedSum();
        var sSq = new CompensatedSum();
        var sRef = new CompensatedSum();
        var sCand = new CompensatedSum();
        var sDot = new CompensatedSum();
        double scalarMaxAbs = 0, scalarMaxRel = 0;
        for (; i < n; i++)
        {
            var c = candidate[i];
            var r = reference[i];
            if (!double.IsFinite(r) && pass.FirstNonFiniteReference < 0)
            {
                pass.FirstNonFiniteReference = i;
            }
            if (!double.IsFinite(c))
            {
                pass.NonFiniteCandidates++;
                if (pass.FirstNonFiniteCandidate < 0)
                {
                    pass.FirstNonFiniteCandidate = i;
                }
            }
            var d = c - r;
            var abs = Math.Abs(d);
            errors[i] = abs;
            sAbs.Add(abs);
            sSq.Add(d * d);
            sRef.Add(r * r);
            sCand.Add(c * c);
            sDot.Add(c * r);
            scalarMaxAbs = Math.Max(scalarMaxAbs, abs);
            scalarMaxRel = Math.Max(scalarMaxRel, abs / Math.Max(Math.Abs(r), ErrorMetrics.RelativeErrorFloor));
        }
        pass.SumAbsError = absSum.Total(sAbs);
        pass.SumSquaredError = sqSum.Total(sSq);
        pass.SumReferenceSquares = refSum.Total(sRef);
        pass.SumCandidateSquares = candSum.Total(sCand);
        pass.Dot = dotSum.Total(sDot);
        pass.MaxAbsError = Math.Max(Math.Max(Math.Max(maxAbs[0], maxAbs[1]), Math.Max(maxAbs[2], maxAbs[3])), scalarMaxAbs);
        pass.MaxRelativeError = Math.Max(Math.Max(Math.Max(maxRel[0], maxRel[1]), Math.Max(maxRel[2], maxRel[3])), scalarMaxRel);
        return pass;
    }

    /// <summary>sum (a - b)^2, compensated per lane, and whether every a is finite, in one pass.</summary>
    public static (double SumSquaredError, bool AllFinite) SquaredError(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var n = a.Length;
        var i = 0;
        var sum = new Compensated4();
        var finiteLimit = Vector256.Create(double.MaxValue);
        var allFinite = true;
        if (Vector256.IsHardwareAccelerated)
        {
            var finite = Vector256<double>.AllBitsSet;
            for (; i <= n - 4; i += 4)
            {
                var x = Vector256.Create(a.Slice(i, 4));
                var d = x - Vector256.Create(b.Slice(i, 4));
                finite &= Vector256.LessThanOrEqual(Vector256.Abs(x), finiteLimit);
                sum.Add(d * d);
            }
            allFinite = finite.AsUInt64() == Vector256<ulong>.AllBitsSet;
        }
        var tail = new CompensatedSum();
        for (; i < n; i++)
        {
            allFinite &= double.IsFinite(a[i]);
            var d = a[i] - b[i];
            tail.Add(d * d);
        }
        return (sum.Total(tail), allFinite);
    }

    /// <summary>Four Neumaier accumulators, one per lane.</summary>
    private struct Compensated4
    {
        private Vector256<double> _sum;
        private Vector256<double> _compensation;

        public void Add(Vector256<double> value)
        {
            var t = _sum + value;
            var bigSum = Vector256.GreaterThanOrEqual(Vector256.Abs(_sum), Vector256.Abs(value));
            _compensation += Vector256.ConditionalSelect(bigSum, (_sum - t) + value, (value - t) + _sum);
            _sum = t;
        }

        /// <summary>The lanes and <paramref name="tail"/> (the scalar remainder) added, compensated.</summary>
        public readonly double Total(CompensatedSum tail)
        {
            var total = new CompensatedSum();
            for (var lane = 0; lane < 4; lane++)
            {
                total.Add(_sum[lane]);
            }
            total.Add(tail.Value);
            var compensation = _compensation[0] + _compensation[1] + _compensation[2] + _compensation[3];
            return total.Value + compensation;
        }
    }
}
