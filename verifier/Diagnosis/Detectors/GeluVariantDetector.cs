using ClipTools.Model;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// The MLP activation confused: the exact (erf) GELU of <c>nn.GELU()</c> where CLIP uses QuickGELU, QuickGELU where
/// a LAION model uses the exact GELU, or TensorFlow's tanh approximation for either. The failing stage is replayed
/// with each activation; the one that is the model's own leaves the tap unchanged and is skipped.
/// </summary>
public sealed class GeluVariantDetector : WhatIfDetector
{
    public override string Cause => Causes.GeluVariant;

    protected override IEnumerable<ModelVariant> Alternatives(DiagnosisContext context) =>
        Enum.GetValues<VariantActivation>().Select(a => new ModelVariant { Activation = a });
}
