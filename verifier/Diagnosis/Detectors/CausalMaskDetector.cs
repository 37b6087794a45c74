using ClipTools.Model;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// The attention mask confused: the text transformer run without its causal mask (every token sees the padding
/// after the end of text), or a causal mask where the image transformer has none. Both are replayed; each touches
/// only its own tower, so the other leaves the tap unchanged and is skipped.
/// </summary>
public sealed class CausalMaskDetector : WhatIfDetector
{
    public override string Cause => Causes.CausalMask;

    protected override IEnumerable<ModelVariant> Alternatives(DiagnosisContext context) =>
    [
        new() { TextCausalMask = false },
        new() { ImageCausalMask = true },
    ];
}
