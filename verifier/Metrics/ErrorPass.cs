using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

[assembly: InternalsVisibleTo("Verifier.Tests")]

namespace ClipTools.Verifier.Metrics;

/// <summary>
/// Everything <see cref="TapMetrics"/> and <see cref="TapJudge"/> need from a candidate, its reference and PyTorch's
/// float32 result, in one vectorised pass: the compensated sums of |c - r|, (c - r)^2, r^2, c^2, c r and
/// (t - r)^2 (Neumaier, one compensated accumulator per vector lane, the lanes added at the end: within a few ulps
/// of the sequential sum, as numpy's pairwise sum is), the largest |c - r| and where it first occurs, the largest
/// |c - r| / max(|r|, floor), the first non-finite value of each array, and the |c - r| at or above a threshold
/// gathered for the percentile (with how many lie below it).
/// <para>
/// The candidate may be float32: each value is widened exactly to float64 in the register, so every result is the
/// one the pass gives on the candidate widened beforehand.
/// </para>
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

    /// <summary>The first index of <see cref="MaxAbsError"/> (numpy's argmax); meaningful when everything is finite.</summary>
    public int WorstIndex;

    /// <summary>First index of a NaN/Inf in the reference, or -1.</summary>
    public int FirstNonFiniteReference;

    /// <summary>First index of a NaN/Inf in the candidate, or -1, and how many there are.</summary>
    public int FirstNonFiniteCandidate;
    public long NonFiniteCandidates;

    /// <summary>sum (t - r)^2 over PyTorch's float32 result t (0 when none was given), and whether every t is finite.</summary>
    public double Torch32SquaredError;
    public bool Torch32Finite;

    /// <summary>How many |c - r| are below the threshold; those at or above it are in the tail's first
    /// <see cref="Gathered"/> slots, unless there were more than it holds (<see cref="TailOverflow"/>).</summary>
    public long Below;
    public int Gathered;
    public bool TailOverflow;

    /// <summary>The pass over the candidate and reference alone, every |c - r| written to <paramref name="errors"/>.</summary>
    public static ErrorPass Run(ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference, Span<double> errors) =>
        Run(candidate, reference, ReadOnlySpan<double>.Empty, 0, errors);

    /// <param name="torch32">PyTorch's float32 result, as float32 or widened (the same length as the reference), or empty</param>
    /// <param name="threshold">|c - r| at or above it go to <paramref name="tail"/> (0: all of them, in order)</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ErrorPass Run<T, TTorch>(ReadOnlySpan<T> candidate, ReadOnlySpan<double> reference, ReadOnlySpan<TTorch> torch32,
        double threshold, Span<double> tail) where T : unmanaged where TTorch : unmanaged
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double) || typeof(TTorch) != typeof(float) && typeof(TTorch) != typeof(double))
        {
            throw new NotSupportedException($"values of {typeof(T).Name} and {typeof(TTorch).Name}");
        }
        var n = candidate.Length;
        var withTorch32 = !torch32.IsEmpty;
        if (reference.Length != n || (withTorch32 && torch32.Length != n))
        {
            throw new ArgumentException($"candidate has {n} elements, reference {reference.Length}, float32 result {torch32.Length}");
        }
        var pass = new ErrorPass { FirstNonFiniteReference = -1, FirstNonFiniteCandidate = -1 };
        var i = 0;
        var absSum = new Compensated4();
        var sqSum = new Compensated4();
        var refSum = new Compensated4();
        var candSum = new Compensated4();
        var dotSum = new Compensated4();
        var torchSum = new Compensated4();
        // -1: a lane that never ran cannot hold the maximum.
        var maxAbs = Vector256.Create(-1.0);
        var worst = Vector256<long>.Zero;
        var maxRel = Vector256<double>.Zero;
        var below = Vector256<long>.Zero;
        var torchFinite = Vector256<double>.AllBitsSet;
        var floor = Vector256.Create(ErrorMetrics.RelativeErrorFloor);
        var finiteLimit = Vector256.Create(double.MaxValue);
        var limit = Vector256.Create(threshold);
        var lanes = Vector256.Create(0L, 1, 2, 3);
        ref var c0 = ref MemoryMarshal.GetReference(candidate);
        ref var r0 = ref MemoryMarshal.GetReference(reference);
        ref var t0 = ref MemoryMarshal.GetReference(torch32);
        var gathered = 0;
        var overflow = false;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4)
            {
                var c = Load(ref c0, i);
                var r = Vector256.LoadUnsafe(ref r0, (nuint)i);
                // |x| <= MaxValue is false for NaN and +-Inf: a block with one goes to the exact scalar path below.
                var finite = Vector256.LessThanOrEqual(Vector256.Abs(c), finiteLimit) & Vector256.LessThanOrEqual(Vector256.Abs(r), finiteLimit);
                if (finite.AsUInt64() != Vector256<ulong>.AllBitsSet)
                {
                    break;
                }
                var d = c - r;
                var abs = Vector256.Abs(d);
                var low = Vector256.LessThan(abs, limit);
                below -= low.AsInt64();
                if (low.AsUInt64() != Vector256<ulong>.AllBitsSet)
                {
                    if (low.AsUInt64() == Vector256<ulong>.Zero && gathered <= tail.Length - 4)
                    {
                        abs.CopyTo(tail.Slice(gathered, 4));
                        gathered += 4;
                    }
                    else
                    {
                        for (var lane = 0; lane < 4; lane++)
                        {
                            if (!(abs[lane] < threshold))
                            {
                                Gather(tail, ref gathered, ref overflow, abs[lane]);
                            }
                        }
                    }
                }
                absSum.Add(abs);
                sqSum.Add(d * d);
                refSum.Add(r * r);
                candSum.Add(c * c);
                dotSum.Add(c * r);
                var larger = Vector256.GreaterThan(abs, maxAbs);
                maxAbs = Vector256.ConditionalSelect(larger, abs, maxAbs);
                worst = Vector256.ConditionalSelect(larger.AsInt64(), lanes + Vector256.Create((long)i), worst);
                maxRel = Vector256.Max(maxRel, abs / Vector256.Max(Vector256.Abs(r), floor));
                if (withTorch32)
                {
                    var t = Load(ref t0, i);
                    var e = t - r;
                    torchFinite &= Vector256.LessThanOrEqual(Vector256.Abs(t), finiteLimit);
                    torchSum.Add(e * e);
                }
            }
        }
        var scalarFrom = i;
        var sAbs = new CompensatedSum();
        var sSq = new CompensatedSum();
        var sRef = new CompensatedSum();
        var sCand = new CompensatedSum();
        var sDot = new CompensatedSum();
        double scalarMaxAbs = 0, scalarMaxRel = 0, scalarBest = -1;
        var scalarWorst = 0;
        for (; i < n; i++)
        {
            var c = Element(ref c0, i);
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
            if (abs < threshold)
            {
                pass.Below++;
            }
            else
            {
                Gather(tail, ref gathered, ref overflow, abs);
            }
            sAbs.Add(abs);
            sSq.Add(d * d);
            sRef.Add(r * r);
            sCand.Add(c * c);
            sDot.Add(c * r);
            scalarMaxAbs = Math.Max(scalarMaxAbs, abs);
            scalarMaxRel = Math.Max(scalarMaxRel, abs / Math.Max(Math.Abs(r), ErrorMetrics.RelativeErrorFloor));
            if (abs > scalarBest)
            {
                scalarBest = abs;
                scalarWorst = i;
            }
        }
        if (withTorch32)
        {
            pass.Torch32SquaredError = Torch32Remainder(torch32, reference, scalarFrom, ref torchSum, ref torchFinite, out var tailFinite);
            pass.Torch32Finite = torchFinite.AsUInt64() == Vector256<ulong>.AllBitsSet && tailFinite;
        }
        pass.SumAbsError = absSum.Total(sAbs);
        pass.SumSquaredError = sqSum.Total(sSq);
        pass.SumReferenceSquares = refSum.Total(sRef);
        pass.SumCandidateSquares = candSum.Total(sCand);
        pass.Dot = dotSum.Total(sDot);
        var laneMax = Math.Max(Math.Max(maxAbs[0], maxAbs[1]), Math.Max(maxAbs[2], maxAbs[3]));
        pass.MaxAbsError = Math.Max(Math.Max(laneMax, 0), scalarMaxAbs);
        pass.MaxRelativeError = Math.Max(Math.Max(Math.Max(maxRel[0], maxRel[1]), Math.Max(maxRel[2], maxRel[3])), scalarMaxRel);
        // The first index holding the maximum: each lane kept the first of its own, the scalar part comes after them all.
        pass.WorstIndex = scalarWorst;
        var found = false;
        for (var lane = 0; lane < 4; lane++)
        {
            if (maxAbs[lane] == pass.MaxAbsError && (!found || worst[lane] < pass.WorstIndex))
            {
                pass.WorstIndex = (int)worst[lane];
                found = true;
            }
        }
        pass.Below += below[0] + below[1] + below[2] + below[3];
        pass.Gathered = gathered;
        pass.TailOverflow = overflow;
        return pass;
    }

    /// <summary>sum (a - b)^2, compensated per lane, and whether every a is finite, in one pass.</summary>
    public static (double SumSquaredError, bool AllFinite) SquaredError<TA>(ReadOnlySpan<TA> a, ReadOnlySpan<double> b) where TA : unmanaged
    {
        var sum = new Compensated4();
        var finite = Vector256<double>.AllBitsSet;
        var total = Torch32Remainder(a, b, 0, ref sum, ref finite, out var tailFinite);
        return (total, finite.AsUInt64() == Vector256<ulong>.AllBitsSet && tailFinite);
    }

    /// <summary>
    /// The (t - r)^2 sum continued from <paramref name="from"/> (a multiple of 4) in the same lanes, then the scalar
    /// remainder: the blocks the fused loop stopped short of are added exactly as a pass of their own would add them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Torch32Remainder<TA>(ReadOnlySpan<TA> a, ReadOnlySpan<double> b, int from,
        ref Compensated4 sum, ref Vector256<double> finite, out bool tailFinite) where TA : unmanaged
    {
        ref var a0 = ref MemoryMarshal.GetReference(a);
        var n = a.Length;
        var i = from;
        var finiteLimit = Vector256.Create(double.MaxValue);
        tailFinite = true;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4)
            {
                var x = Load(ref a0, i);
                var d = x - Vector256.Create(b.Slice(i, 4));
                finite &= Vector256.LessThanOrEqual(Vector256.Abs(x), finiteLimit);
                sum.Add(d * d);
            }
        }
        var tail = new CompensatedSum();
        for (; i < n; i++)
        {
            var x = Element(ref a0, i);
            tailFinite &= double.IsFinite(x);
            var d = x - b[i];
            tail.Add(d * d);
        }
        return sum.Total(tail);
    }

    private static void Gather(Span<double> tail, ref int gathered, ref bool overflow, double value)
    {
        if (gathered < tail.Length)
        {
            tail[gathered++] = value;
        }
        else
        {
            overflow = true;
        }
    }

    /// <summary>Four values from <paramref name="i"/>, widened to float64 if they are float32 (exactly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Load<T>(ref T origin, int i) where T : unmanaged
    {
        if (typeof(T) == typeof(double))
        {
            return Vector256.LoadUnsafe(ref Unsafe.As<T, double>(ref origin), (nuint)i);
        }
        var narrow = Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref origin), (nuint)i);
        return Avx.IsSupported
            ? Avx.ConvertToVector256Double(narrow)
            : Vector256.Create(Vector128.WidenLower(narrow), Vector128.WidenUpper(narrow));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Element<T>(ref T origin, int i) where T : unmanaged =>
        typeof(T) == typeof(double)
            ? Unsafe.Add(ref Unsafe.As<T, double>(ref origin), i)
            : Unsafe.Add(ref Unsafe.As<T, float>(ref origin), i);

    /// <summary>
    /// Four Neumaier accumulators, one per lane. Each step's rounding error is found by Knuth's TwoSum, which needs
    /// no comparison: where no sum overflows it is the exact error (s + v) - fl(s + v), the very value Neumaier's
    /// branch computes (Dekker's Fast2Sum is exact when |s| &gt;= |v|), so the totals are bit for bit Neumaier's.
    /// </summary>
    private struct Compensated4
    {
        private Vector256<double> _sum;
        private Vector256<double> _compensation;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(Vector256<double> value)
        {
            var t = _sum + value;
            var virtualValue = t - _sum;
            _compensation += (_sum - (t - virtualValue)) + (value - virtualValue);
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
