using System.Globalization;
using System.Runtime.InteropServices;

namespace ClipTools.Verifier.Metrics;

/// <summary>
/// Compares one tap's candidate with the float64 reference and PyTorch's float32 run, and decides pass or fail
/// under a <see cref="JudgementRule"/>. Whatever the rule, the ratio to PyTorch's float32 error is computed and
/// reported; a candidate with NaN/Inf or of the wrong shape always fails.
/// </summary>
public sealed class TapJudge(JudgementRule rule)
{
    public JudgementRule Rule { get; } = rule;

    /// <param name="torch32">PyTorch's float32 activation (the fixture's <c>fp32.tap.NAME</c>), widened.</param>
    /// <param name="noiseRuns">RMS errors of the fixture's perturbed float32 runs at this tap (docs/judgement.md);
    /// null for a fixture without them, whose noise is then the one plain float32 run.</param>
    /// <exception cref="ArgumentException">Lengths contradict <paramref name="shape"/>, or the reference or the
    /// float32 reference holds NaN/Inf: bad input, not a failing candidate.</exception>
    public TapResult Judge(string name, string tower, IReadOnlyList<long> shape,
        ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference, ReadOnlySpan<double> torch32,
        IReadOnlyList<double>? noiseRuns = null) =>
        Judge<double, double>(name, tower, shape, candidate, reference, torch32, noiseRuns);

    /// <summary>The same judgement of a float32 candidate (each value widened exactly to float64).</summary>
    /// <inheritdoc cref="Judge(string, string, IReadOnlyList{long}, ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, IReadOnlyList{double}?)"/>
    public TapResult Judge(string name, string tower, IReadOnlyList<long> shape,
        ReadOnlySpan<float> candidate, ReadOnlySpan<double> reference, ReadOnlySpan<double> torch32,
        IReadOnlyList<double>? noiseRuns = null) =>
        Judge<float, double>(name, tower, shape, candidate, reference, torch32, noiseRuns);

    /// <summary>The same judgement of a float32 or float64 candidate against PyTorch's float32 result as float32 or
    /// widened (each value widened exactly to float64 where it is used).</summary>
    internal TapResult Judge<T, TTorch>(string name, string tower, IReadOnlyList<long> shape,
        ReadOnlySpan<T> candidate, ReadOnlySpan<double> reference, ReadOnlySpan<TTorch> torch32,
        IReadOnlyList<double>? noiseRuns) where T : unmanaged where TTorch : unmanaged
    {
        // PyTorch's float32 error is summed in the candidate's pass (a wrong length is judged as non-finite below).
        var fused = torch32.Length == reference.Length && torch32.Length > 0 ? torch32 : ReadOnlySpan<TTorch>.Empty;
        var metrics = TapMetrics.Compute(candidate, reference, shape, fused, out var torch32Error);
        var (torch32Squares, torch32Finite) = fused.IsEmpty
            ? torch32.Length == reference.Length ? ErrorPass.SquaredError(torch32, reference) : (0, false)
            : torch32Error;
        if (!torch32Finite)
        {
            throw new ArgumentException($"{name}: PyTorch's float32 activation has {torch32.Length} elements (expected {reference.Length}) or holds NaN/Inf");
        }
        var torch32Rms = Math.Sqrt(torch32Squares / reference.Length);
        var ratio = Ratio(metrics.RmsError, torch32Rms);
        // The ratio rule's bound is reported in tolerance mode too (with the default factor and floor).
        var ratioRule = Rule as Torch32RatioRule ?? new Torch32RatioRule();
        var noise = new Float32Noise([torch32Rms, .. noiseRuns ?? []], metrics.Count);
        var bound = ratioRule.Bound(noise, metrics.ReferenceRms);

        ToleranceOutcome? tolerance = null;
        bool passed;
        string? reason;
        if (metrics.HasNonFinite)
        {
            passed = false;
            reason = Invariant($"candidate holds {metrics.NonFiniteCount} NaN/Inf values (first {metrics.Worst.Candidate} at {MultiIndex.Format(metrics.Worst.Index)})");
            if (Rule is ToleranceRule nonFiniteRule)
            {
                tolerance = new ToleranceOutcome(nonFiniteRule.For(name), metrics.NonFiniteCount, double.PositiveInfinity, double.PositiveInfinity);
            }
        }
        else if (Rule is ToleranceRule toleranceRule)
        {
            tolerance = CheckToleranceAny(toleranceRule.For(name), candidate, reference);
            passed = tolerance.MismatchCount == 0;
            reason = passed ? null : Invariant(
                $"{tolerance.MismatchCount} of {metrics.Count} elements outside {tolerance.Applied} (would pass with atol={tolerance.MinimumAtol:0.00e+0} or rtol={tolerance.MinimumRtol:0.00e+0})");
        }
        else
        {
            passed = metrics.RmsError <= bound;
            reason = passed ? null : Invariant(
                $"RMS error {metrics.RmsError:0.000e+0} > bound {bound:0.000e+0} = {ratioRule.Factor:G} x q {noise.PredictionFactor(ratioRule.Tail):0.00} x float32 noise {noise.Scale:0.000e+0} ({noise.Runs} runs, nu {noise.DegreesOfFreedom:0.#}) + {ratioRule.FloorUlps:G} ulp floor");
        }
        return new TapResult(name, tower, [.. shape], metrics, torch32Rms, ratio, bound, tolerance, passed, reason) { Noise = noise };
    }

    /// <summary>The result for a candidate whose shape differs from the reference's: nothing to compare, a failure.</summary>
    public static TapResult ShapeMismatch(string name, string tower, IReadOnlyList<long> referenceShape, IReadOnlyList<long> candidateShape) =>
        new(name, tower, [.. referenceShape], null, double.NaN, double.NaN, double.NaN, null, false,
            $"candidate shape {MultiIndex.Format(candidateShape)} differs from reference shape {MultiIndex.Format(referenceShape)}")
        {
            CandidateShape = [.. candidateShape],
        };

    /// <summary>candidate / PyTorch float32 RMS error: 0 when both are exact, +inf when only PyTorch is.</summary>
    public static double Ratio(double candidateRmsError, double torch32RmsError) =>
        torch32RmsError > 0 ? candidateRmsError / torch32RmsError
        : candidateRmsError == 0 ? 0 : double.PositiveInfinity;

    /// <summary>Counts the elements outside <paramref name="tolerance"/> and finds the smallest passing atol and rtol.</summary>
    public static ToleranceOutcome CheckTolerance(Tolerance tolerance, ReadOnlySpan<double> candidate, ReadOnlySpan<double> reference) =>
        CheckToleranceAny(tolerance, candidate, reference);

    private static ToleranceOutcome CheckToleranceAny<T>(Tolerance tolerance, ReadOnlySpan<T> candidate, ReadOnlySpan<double> reference) where T : unmanaged
    {
        long mismatches = 0;
        double minimumAtol = 0, minimumRtol = 0;
        var floats = typeof(T) == typeof(float) ? MemoryMarshal.Cast<T, float>(candidate) : default;
        var doubles = typeof(T) == typeof(double) ? MemoryMarshal.Cast<T, double>(candidate) : default;
        for (var i = 0; i < candidate.Length; i++)
        {
            var value = typeof(T) == typeof(float) ? floats[i] : doubles[i];
            var error = Math.Abs(value - reference[i]);
            var magnitude = Math.Abs(reference[i]);
            mismatches += tolerance.Accepts(value, reference[i]) ? 0 : 1;
            minimumAtol = Math.Max(minimumAtol, error - (tolerance.Rtol * magnitude));
            if (error > tolerance.Atol)
            {
                minimumRtol = Math.Max(minimumRtol, magnitude > 0 ? (error - tolerance.Atol) / magnitude : double.PositiveInfinity);
            }
        }
        return new ToleranceOutcome(tolerance, mismatches, minimumAtol, minimumRtol);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
