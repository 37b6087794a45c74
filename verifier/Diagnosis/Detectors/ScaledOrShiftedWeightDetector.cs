using static TorchSharp.torch;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// One weight scaled by (1 + e) or shifted by a constant (a wrong constant, a stale or re-saved checkpoint). A small
/// change of one parameter moves the tap along that parameter's first-order effect, so the candidate's error
/// d = candidate - reference is fitted, for each parameter of the failing stage, onto J = the change of the stage
/// replay when that parameter is scaled by (1 + h), or shifted by h x its RMS (a finite difference). The parameter
/// whose fit leaves an error within the tap's noise bound, removing most of it, is named, with the fitted e.
/// It works on errors just above the float32 noise bound (e = 1e-5), where the fit's residual is the noise itself.
/// </summary>
public sealed class ScaledOrShiftedWeightDetector : IFaultDetector
{
    /// <summary>The finite-difference step: large against float32 rounding (1e-7), small against curvature.</summary>
    public const double Step = 1e-3;

    /// <summary>The share of the squared error the fit must remove.</summary>
    public const double MinimumSupport = 0.5;

    public string Cause => Causes.ScaledOrShiftedWeight;

    public FaultDiagnosis? Examine(DiagnosisContext context)
    {
        if (context.Replay is not { } replay || context.Baseline is not { } baseline || context.Candidate is not { } candidate
            || context.Reference is not { } reference || baseline.Length != candidate.Length || !double.IsFinite(context.NoiseBound))
        {
            return null;
        }
        var error = new double[candidate.Length];
        for (var i = 0; i < error.Length; i++)
        {
            error[i] = candidate[i] - reference[i];
        }
        var before = Rms(error);
        if (!double.IsFinite(before) || before == 0)
        {
            return null;
        }
        Fitted? best = null;
        foreach (var name in replay.Parameters)
        {
            if (replay.ValueOf(name) is not { } value || value.numel() == 0)
            {
                continue;
            }
            var rms = value.to(ScalarType.Float64).square().mean().sqrt().item<double>();
            value.Dispose();
            var shift = (rms > 0 ? rms : 1) * Step;
            var alternatives = new List<(string Kind, Func<Tensor, Tensor> Change, double Unit)>
            {
                ("scaled", t => t * (1 + Step), 1),
            };
            // Shifting a BatchNorm's running variance is changing its epsilon: batchnorm-eps's question, not this one.
            if (!name.EndsWith("running_var", StringComparison.Ordinal))
            {
                alternatives.Add(("shifted", t => t + shift, rms > 0 ? rms : 1));
            }
            foreach (var (kind, change, unit) in alternatives)
            {
                if (replay.RunWith(name, change) is not { } moved || moved.Length != error.Length)
                {
                    continue;
                }
                var fit = Fit(error, baseline, moved);
                if (fit is { } f && (best is null || f.Residual < best.Residual))
                {
                    best = new Fitted(name, kind, f.Coefficient, f.Residual, unit);
                }
            }
        }
        if (best is null || best.Residual > context.NoiseBound)
        {
            return null;
        }
        var support = 1 - (best.Residual * best.Residual / (before * before));
        if (support < MinimumSupport)
        {
            return null;
        }
        var amount = best.Kind == "scaled"
            ? $"scaled by 1{best.Coefficient:+0.0#e+0;-0.0#e+0}"
            : $"shifted by {best.Coefficient * best.Unit:+0.0#e+0;-0.0#e+0} ({best.Coefficient:+0.0#e+0;-0.0#e+0} x its RMS)";
        return new FaultDiagnosis(Cause, context.Tap,
            $"{best.Parameter} {amount}: RMS error {before:0.0#e+0} -> {best.Residual:0.0#e+0} once that is taken out", support);
    }

    /// <summary>Least squares of the error onto J = (moved - baseline) / Step: the coefficient (e, in units of the
    /// step's direction) and the RMS error left. Null when the parameter does not move the tap.</summary>
    private static (double Coefficient, double Residual)? Fit(double[] error, double[] baseline, double[] moved)
    {
        double jj = 0, jd = 0;
        for (var i = 0; i < error.Length; i++)
        {
            var j = (moved[i] - baseline[i]) / Step;
            jj += j * j;
            jd += j * error[i];
        }
        if (!(jj > 0) || !double.IsFinite(jj) || !double.IsFinite(jd))
        {
            return null;
        }
        var coefficient = jd / jj;
        double left = 0;
        for (var i = 0; i < error.Length; i++)
        {
            var r = error[i] - (coefficient * (moved[i] - baseline[i]) / Step);
            left += r * r;
        }
        return (coefficient, Math.Sqrt(left / error.Length));
    }

    private static double Rms(double[] values) => Math.Sqrt(values.Sum(v => v * v) / values.Length);

    private sealed record Fitted(string Parameter, string Kind, double Coefficient, double Residual, double Unit);
}
