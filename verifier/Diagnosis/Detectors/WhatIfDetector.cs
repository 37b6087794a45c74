using ClipTools.Model;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// A what-if detector: replays the failing stage on the model rebuilt with each alternative (a
/// <see cref="ModelVariant"/>: another GELU, epsilon, mask, scale or pooling position, with the model's weights) and
/// names its cause when one alternative explains the failure (<see cref="AlternativeFit.Explains"/>: the error
/// falls to float32 noise). It needs a model whose family builds variants (<see cref="IVariantFamilyModel"/>) and a
/// stage that produces the tap; otherwise it does not apply. An alternative that leaves the tap bit for bit as the
/// model computes it (a BatchNorm epsilon at a text tap) says nothing and is skipped.
/// </summary>
public abstract class WhatIfDetector : IFaultDetector
{
    public abstract string Cause { get; }

    /// <summary>The alternatives worth replaying at <paramref name="context"/>'s failing tap.</summary>
    protected abstract IEnumerable<ModelVariant> Alternatives(DiagnosisContext context);

    public FaultDiagnosis? Examine(DiagnosisContext context)
    {
        if (context.Model is not { } model || context.Replay is not { } replay || context.Baseline is not { } baseline
            || context.Candidate is null)
        {
            return null;
        }
        (ModelVariant Variant, AlternativeFit Fit)? best = null;
        foreach (var variant in Alternatives(context))
        {
            using var rebuilt = FamilyModels.Variant(model, variant);
            if (rebuilt is null)
            {
                return null;
            }
            var values = replay.ForVariant(rebuilt)?.Run();
            if (values is null || values.AsSpan().SequenceEqual(baseline))
            {
                continue;
            }
            if (context.Fit(values) is { } fit && fit.Explains(context.NoiseBound)
                && (best is null || fit.After < best.Value.Fit.After))
            {
                best = (variant, fit);
            }
        }
        return best is { } found
            ? new FaultDiagnosis(Cause, context.Tap, Evidence(context, found.Variant, found.Fit), found.Fit.Support)
            : null;
    }

    /// <summary>"RMS error 3.1e-3 -> 2.0e-7 with erf GELU: the model replayed that way reproduces the candidate".</summary>
    private static string Evidence(DiagnosisContext context, ModelVariant variant, AlternativeFit fit) =>
        context.Role == ModelRole.Reference
            ? $"{fit} with {variant}: the faithful model replayed that way reproduces the candidate"
            : $"{fit} with {variant}: the model replayed that way matches the reference";
}
