using ClipTools.Model;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// Attention scores scaled by something other than 1/sqrt(head width): 1/sqrt(model width) (the head count
/// forgotten), 1/(head width) (scaled twice), or not at all. With one head, width and head width coincide: that
/// alternative then leaves the tap unchanged and is skipped.
/// </summary>
public sealed class AttentionScaleDetector : WhatIfDetector
{
    public override string Cause => Causes.AttentionScale;

    protected override IEnumerable<ModelVariant> Alternatives(DiagnosisContext context) =>
        Enum.GetValues<AttentionScale>().Where(s => s != AttentionScale.InverseSqrtHeadWidth)
            .Select(s => new ModelVariant { AttentionScale = s });
}
