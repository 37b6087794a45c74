using System.Globalization;

namespace ClipTools.Verifier.Metrics;

/// <summary>
/// The default rule: a port may be as wrong as float32 PyTorch is, give or take. A tap passes when the candidate's
/// RMS error against the float64 reference is at most <see cref="Factor"/> times PyTorch's own float32 RMS error
/// there, plus a floor of <see cref="FloorUlps"/> float32 ulps of the reference's RMS:
/// <c>candidate_rms &lt;= Factor * torch32_rms + FloorUlps * 2^-23 * reference_rms</c>.
/// The floor exists because where PyTorch's float32 result is (nearly) correctly rounded — elementwise taps, short
/// sums, or errors that cancel by chance — its error is ~0.3 ulp, and a different but equally valid summation order
/// legitimately costs a few ulps more; 4 ulps (~5e-7 relative) is that allowance, far below any real bug (a wrong
/// transpose or weight moves a tap by O(1) relative). The model tests hold the TorchSharp CLIP to this rule.
/// </summary>
public sealed record Torch32RatioRule(double Factor = 2, double FloorUlps = 4) : JudgementRule
{
    /// <summary>float32 machine epsilon, 2^-23: one ulp at 1.0.</summary>
    public const double Float32Epsilon = 1.1920928955078125e-7;

    /// <summary>The largest candidate RMS error that passes.</summary>
    public double Bound(double torch32RmsError, double referenceRms) =>
        (Factor * torch32RmsError) + (FloorUlps * Float32Epsilon * referenceRms);

    public override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"ratio rule: candidate RMS error <= {Factor:G} x PyTorch float32 RMS error + {FloorUlps:G} float32 ulps x reference RMS");
}
