using System.Globalization;

namespace ClipTools.Verifier.Metrics;

/// <summary>
/// The default rule: a port may be as wrong as float32 is, give or take (docs/judgement.md has the numbers). A tap
/// passes when its RMS error against the float64 reference is at most
/// <c>Factor * q * sigma + FloorUlps * 2^-23 * reference_rms</c>, where sigma is the tap's float32 noise scale
/// pooled over PyTorch's float32 runs (<see cref="Float32Noise"/>) and q the factor by which a faithful run's RMS
/// error may exceed sigma with probability <see cref="Tail"/> (F distribution: large for a scalar or a few
/// correlated logits, ~1 for a large activation). <see cref="Factor"/> allows for a port's kernels being noisier
/// than PyTorch's (another summation order or blocking). The floor covers taps where float32 is (nearly) exact.
/// </summary>
public sealed record Torch32RatioRule(double Factor = 2, double FloorUlps = 4, double Tail = 1e-6) : JudgementRule
{
    /// <summary>float32 machine epsilon, 2^-23: one ulp at 1.0.</summary>
    public const double Float32Epsilon = 1.1920928955078125e-7;

    /// <summary>The largest candidate RMS error that passes.</summary>
    public double Bound(Float32Noise noise, double referenceRms) =>
        (Factor * noise.PredictionFactor(Tail) * noise.Scale) + (FloorUlps * Float32Epsilon * referenceRms);

    public override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"noise rule: candidate RMS error <= {Factor:G} x q x float32 noise + {FloorUlps:G} float32 ulps x reference RMS (q: F-distribution bound, tail {Tail:G})");
}
