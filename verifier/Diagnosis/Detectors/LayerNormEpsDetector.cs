using ClipTools.Model;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// A LayerNorm epsilon other than CLIP's 1e-5: the defaults of other frameworks (1e-6 in JAX/Flax and timm's ViTs,
/// 1e-12 in BERT-style code, 1e-3 in Keras). The failing stage is replayed with each. (The variants differ from the
/// model in their knob alone, so CLIP's own 1e-5 would replay the model itself: it is not tried.)
/// </summary>
public sealed class LayerNormEpsDetector : WhatIfDetector
{
    /// <summary>The epsilons ports bring from elsewhere.</summary>
    public static IReadOnlyList<double> Epsilons { get; } = [1e-6, 1e-12, 1e-3];

    public override string Cause => Causes.LayerNormEps;

    protected override IEnumerable<ModelVariant> Alternatives(DiagnosisContext context) =>
        Epsilons.Select(eps => new ModelVariant { LayerNormEps = eps });
}
