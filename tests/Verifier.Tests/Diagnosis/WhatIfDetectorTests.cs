using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Diagnosis.Detectors;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Tests.Diagnosis;

/// <summary>
/// Each what-if detector against every structural mistake, in another port's dump checked with the faithful model
/// (<c>clip-verify compare --model</c>): it names its own mistakes at the first divergence, with the alternative in
/// the evidence, and stays silent on every other mistake, on a weight fault and on a faithful candidate.
/// </summary>
public sealed class WhatIfDetectorTests(VariantCandidates candidates) : IClassFixture<VariantCandidates>
{
    /// <summary>model, mistake, the cause it is, what the evidence names.</summary>
    public static TheoryData<string, string, string, string> Mistakes => new()
    {
        { "tiny_rn", "erf-gelu", Causes.GeluVariant, "erf GELU" },
        { "tiny_vit", "erf-gelu", Causes.GeluVariant, "erf GELU" },
        { "tiny_vit", "tanh-gelu", Causes.GeluVariant, "tanh GELU" },
        { "tiny_rn", "layernorm-eps-1e-6", Causes.LayerNormEps, "LayerNorm eps 1e-06" },
        { "tiny_vit", "layernorm-eps-1e-6", Causes.LayerNormEps, "LayerNorm eps 1e-06" },
        { "tiny_vit", "layernorm-eps-1e-12", Causes.LayerNormEps, "LayerNorm eps 1e-12" },
        { "tiny_rn", "batchnorm-eps-1e-3", Causes.BatchNormEps, "BatchNorm eps 0.001" },
        { "tiny_rn", "no-causal-mask", Causes.CausalMask, "no causal text mask" },
        { "tiny_vit", "no-causal-mask", Causes.CausalMask, "no causal text mask" },
        { "tiny_vit", "causal-image-mask", Causes.CausalMask, "causal image mask" },
        { "tiny_rn", "unscaled-attention", Causes.AttentionScale, "unscaled attention" },
        { "tiny_vit", "unscaled-attention", Causes.AttentionScale, "unscaled attention" },
        { "tiny_vit", "attention-scale-width", Causes.AttentionScale, "attention scale 1/sqrt(width)" },
        { "tiny_rn", "pool-last", Causes.EotPooling, "pooling at the last position" },
        { "tiny_vit", "pool-last", Causes.EotPooling, "pooling at the last position" },
        { "tiny_rn", "pool-before-eot", Causes.EotPooling, "pooling one before the end-of-text token" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void GeluVariant(string model, string mistake, string cause, string evidence) =>
        NamesOnlyItsOwn(new GeluVariantDetector(), model, mistake, cause, evidence);

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void LayerNormEps(string model, string mistake, string cause, string evidence) =>
        NamesOnlyItsOwn(new LayerNormEpsDetector(), model, mistake, cause, evidence);

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void BatchNormEps(string model, string mistake, string cause, string evidence) =>
        NamesOnlyItsOwn(new BatchNormEpsDetector(), model, mistake, cause, evidence);

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void CausalMask(string model, string mistake, string cause, string evidence) =>
        NamesOnlyItsOwn(new CausalMaskDetector(), model, mistake, cause, evidence);

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void AttentionScale(string model, string mistake, string cause, string evidence) =>
        NamesOnlyItsOwn(new AttentionScaleDetector(), model, mistake, cause, evidence);

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void EotPooling(string model, string mistake, string cause, string evidence) =>
        NamesOnlyItsOwn(new EotPoolingDetector(), model, mistake, cause, evidence);

    /// <summary>One mistake of each cause, for the diagnosis as a whole (every detector, the weight-level ones too).</summary>
    public static TheoryData<string, string, string, string> OneOfEachCause => new()
    {
        { "tiny_vit", "erf-gelu", Causes.GeluVariant, "erf GELU" },
        { "tiny_rn", "layernorm-eps-1e-6", Causes.LayerNormEps, "LayerNorm eps 1e-06" },
        { "tiny_rn", "batchnorm-eps-1e-3", Causes.BatchNormEps, "BatchNorm eps 0.001" },
        { "tiny_vit", "no-causal-mask", Causes.CausalMask, "no causal text mask" },
        { "tiny_rn", "unscaled-attention", Causes.AttentionScale, "unscaled attention" },
        { "tiny_vit", "pool-last", Causes.EotPooling, "pooling at the last position" },
    };

    [Theory]
    [MemberData(nameof(OneOfEachCause))]
    public void TheDiagnoserNamesTheMistake(string model, string mistake, string cause, string evidence)
    {
        var run = candidates.Candidate(model, mistake);

        var diagnosis = Diagnoser.Default.Diagnose(run.Context(candidates.Faithful(model), ModelRole.Reference));

        Assert.Equal(cause, diagnosis.Cause);
        Assert.Contains(evidence, diagnosis.Evidence);
    }

    public static IEnumerable<object[]> Detectors =>
        new WhatIfDetector[]
        {
            new GeluVariantDetector(), new LayerNormEpsDetector(), new BatchNormEpsDetector(), new CausalMaskDetector(),
            new AttentionScaleDetector(), new EotPoolingDetector(),
        }.Select(d => new object[] { d });

    /// <summary>Taps where some what-if alternative changes the values: none may be named on a faithful run.</summary>
    [Theory]
    [MemberData(nameof(Detectors))]
    public void IsSilentOnAFaithfulCandidate(WhatIfDetector detector)
    {
        foreach (var (model, tap, bothRoles) in new[]
        {
            ("tiny_rn", "visual.bn1", true), ("tiny_rn", "visual.attnpool", false),
            ("tiny_rn", "transformer.resblocks.0.mlp.gelu", false), ("tiny_rn", "text_features", true),
            ("tiny_vit", "visual.ln_pre", false), ("tiny_vit", "transformer.resblocks.1", true),
        })
        {
            var faithful = candidates.Faithful(model);
            var run = candidates.Candidate(model, mistake: null);
            Assert.True(run.Results.Passed);

            Assert.Null(detector.Examine(run.Context(faithful, ModelRole.Reference, tap)));
            if (bothRoles)
            {
                Assert.Null(detector.Examine(run.Context(faithful, ModelRole.Candidate, tap)));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Detectors))]
    public void IsSilentOnAWeightFault(WhatIfDetector detector)
    {
        using var faulty = FaultyRuns.Load("tiny_vit", FaultyRuns.Scale("transformer.resblocks.0.mlp.c_fc.weight", 1.01));
        var run = FaultyRuns.Judge(candidates.Fixtures.For("tiny_vit"), faulty, RunMode.Chained);
        Assert.False(run.Results.Passed);

        Assert.Null(detector.Examine(run.Context(candidates.Faithful("tiny_vit"), ModelRole.Reference)));
        Assert.Null(detector.Examine(run.Context(faulty, ModelRole.Candidate)));
    }

    [Theory]
    [MemberData(nameof(Detectors))]
    public void CannotApplyWithoutAModel(WhatIfDetector detector)
    {
        var run = candidates.Candidate("tiny_vit", "erf-gelu");

        Assert.Null(detector.Examine(run.Context(null, ModelRole.Reference)));
    }

    private void NamesOnlyItsOwn(WhatIfDetector detector, string model, string mistake, string cause, string evidence)
    {
        var run = candidates.Candidate(model, mistake);
        var failing = run.Results.FirstDivergence;
        Assert.NotNull(failing);

        var finding = detector.Examine(run.Context(candidates.Faithful(model), ModelRole.Reference));

        if (detector.Cause != cause)
        {
            Assert.True(finding is null, $"{detector.Cause} named for {mistake} at {failing.Name}: {finding?.Evidence}");
            return;
        }
        Assert.True(finding is not null, $"{detector.Cause} not named for {mistake} at {failing.Name} ({failing.Reason})");
        Assert.Equal(cause, finding.Cause);
        Assert.Equal(failing.Name, finding.Tap);
        Assert.Contains(evidence, finding.Evidence);
        Assert.True(finding.Support > 0.9, finding.Evidence);
    }
}
