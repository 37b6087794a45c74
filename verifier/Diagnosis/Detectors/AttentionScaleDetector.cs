using ClipTools.Model;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// Attention scores scaled by something other than 1/sqrt(head width): 1/sqrt(model width) (the head count
/// forgotten), 1/(head width) (scaled twice), or not at all. The model's own rule is replayed too, for a model built
/// otherwise, and skipped where it changes nothing; with one head, width and head width coincide.
/// </summary>
public sealed class AttentionScaleDetector : WhatIfDetector
{
    public override string Cause => Causes.AttentionScale;

    protected override IEnumerable<ModelVariant> Alternatives(DiagnosisContext context) =>
        Enum.GetValues<AttentionScale>().Select(s => new ModelVariant { AttentionScale = s });
}
