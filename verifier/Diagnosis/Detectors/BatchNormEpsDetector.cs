using ClipTools.Model;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// A BatchNorm epsilon other than CLIP's 1e-5 (ResNet towers): Keras' and TensorFlow's 1e-3, 1e-4, 1e-6, and 1e-5
/// itself for a model built otherwise. Applies only where the replayed stage holds a BatchNorm (a
/// <c>running_var</c> buffer); a value that is the model's own leaves the tap unchanged and is skipped.
/// </summary>
public sealed class BatchNormEpsDetector : WhatIfDetector
{
    /// <summary>The epsilons ports bring from elsewhere, and CLIP's own.</summary>
    public static IReadOnlyList<double> Epsilons { get; } = [1e-3, 1e-4, 1e-6, 1e-5];

    public override string Cause => Causes.BatchNormEps;

    protected override IEnumerable<ModelVariant> Alternatives(DiagnosisContext context) =>
        context.Replay?.Parameters.Any(p => p.EndsWith(".running_var", StringComparison.Ordinal)) == true
            ? Epsilons.Select(eps => new ModelVariant { BatchNormEps = eps })
            : [];
}
