using ClipTools.Model;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// A BatchNorm epsilon other than CLIP's 1e-5 (ResNet towers): Keras' and TensorFlow's 1e-3, 1e-4, 1e-6. Applies
/// only where the replayed stage holds a BatchNorm (a <c>running_var</c> buffer).
/// </summary>
public sealed class BatchNormEpsDetector : WhatIfDetector
{
    /// <summary>The epsilons ports bring from elsewhere.</summary>
    public static IReadOnlyList<double> Epsilons { get; } = [1e-3, 1e-4, 1e-6];

    public override string Cause => Causes.BatchNormEps;

    protected override IEnumerable<ModelVariant> Alternatives(DiagnosisContext context) =>
        context.Replay?.Parameters.Any(p => p.EndsWith(".running_var", StringComparison.Ordinal)) == true
            ? Epsilons.Select(eps => new ModelVariant { BatchNormEps = eps })
            : [];
}
