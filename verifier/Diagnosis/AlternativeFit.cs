namespace ClipTools.Verifier.Diagnosis;

/// <summary>
/// How well an alternative explains a failure: <see cref="Before"/> is the RMS error the diagnosis must explain,
/// <see cref="After"/> the RMS error left with the alternative (<see cref="DiagnosisContext.Fit"/> says against what).
/// </summary>
public sealed record AlternativeFit(double Before, double After)
{
    /// <summary>The share of the squared error the alternative removes, in [0, 1].</summary>
    public double Support => Before > 0 && double.IsFinite(After) ? Math.Clamp(1 - (After * After / (Before * Before)), 0, 1) : 0;

    /// <summary>
    /// Whether the error vanishes with the alternative: what is left is float32 noise (within twice the tap's noise
    /// bound: two float32 runs differ by about sqrt 2 of one's error) and at most a quarter of the error before.
    /// </summary>
    public bool Explains(double noiseBound) =>
        double.IsFinite(After) && After <= 0.25 * Before && (!double.IsFinite(noiseBound) || After <= 2 * noiseBound);

    /// <summary>"RMS error 3.1e-4 -> 2.0e-7", for the evidence line.</summary>
    public override string ToString() => $"RMS error {Before:0.0#e+0} -> {After:0.0#e+0}";

    /// <summary>Root mean square of a - b over every element; NaN when the lengths differ or a value is not finite.</summary>
    public static double RmsDifference(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count || a.Count == 0)
        {
            return double.NaN;
        }
        var sum = 0.0;
        for (var i = 0; i < a.Count; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }
        return Math.Sqrt(sum / a.Count);
    }
}
