using ClipTools.Model;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// Text features pooled at the wrong position: the last position of the context, the first (start of text), or one
/// off the end-of-text token, instead of the end-of-text token (the row's largest id). Such a port passes every tap
/// (the pooling comes after <c>ln_final</c>) and fails first at <c>text_features</c>, so only that output is examined:
/// the text head is replayed from the reference's last block with each pooling rule.
/// </summary>
public sealed class EotPoolingDetector : WhatIfDetector
{
    public override string Cause => Causes.EotPooling;

    protected override IEnumerable<ModelVariant> Alternatives(DiagnosisContext context) =>
        context.Tap == "text_features"
            ? Enum.GetValues<TextPooling>().Where(p => p != TextPooling.EndOfText).Select(p => new ModelVariant { TextPooling = p })
            : [];
}
