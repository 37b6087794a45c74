using ClipTools.Testing;
using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.FaultInjection;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests.Diagnosis;

/// <summary>
/// The what-if detectors on the committed fault candidates made by PyTorch (fixtures/verifier/faults: another port's
/// dump with one structural mistake, from fixtures/reference/faults.py), checked as <c>clip-verify compare --model</c>
/// does with the faithful tiny model: the diagnosis names the candidate's cause at its first divergence. The
/// TorchSharp knobs thus reproduce what the mistake does in PyTorch, not only in our own model.
/// </summary>
public sealed class PyTorchFaultDiagnosisTests(VariantCandidates candidates) : IClassFixture<VariantCandidates>
{
    private static readonly string[] WhatIfCauses =
        [Causes.GeluVariant, Causes.LayerNormEps, Causes.BatchNormEps, Causes.CausalMask, Causes.AttentionScale, Causes.EotPooling];

    public static TheoryData<string> Files =>
        [.. FaultCandidate.All.Where(c => WhatIfCauses.Contains(c.Cause)).Select(c => c.File)];

    [Fact]
    public void EveryWhatIfCauseHasPyTorchCandidates() =>
        Assert.Equal(WhatIfCauses.Order(), FaultCandidate.All.Select(c => c.Cause).Where(WhatIfCauses.Contains).Distinct().Order());

    [Theory]
    [MemberData(nameof(Files))]
    public void TheDiagnosisNamesTheCandidatesCause(string file)
    {
        var fault = FaultCandidate.All.Single(c => c.File == file);
        var model = Path.GetFileName(fault.Fixture).Split('.')[0];
        var fixture = candidates.Fixtures.For(model);
        using var dump = TensorFile.Open(fault.Path);
        var activations = CandidateActivations.FromDump(dump);
        var results = FixtureComparison.Compare(fixture, activations, RunMode.Chained, new TapJudge(new Torch32RatioRule()),
            selection: new TapSelection(fault.Taps));
        Assert.Equal(fault.RightTap, results.FirstDivergence?.Name);

        var diagnosis = Diagnoser.Default.Diagnose(new DiagnosisContext(fixture, RunMode.Chained, results.FirstDivergence!,
            activations, candidates.Faithful(model), ModelRole.Reference));

        Assert.True(fault.Cause == diagnosis.Cause, $"{file}: {diagnosis.Cause} ({diagnosis.Evidence})");
        Assert.Equal(fault.RightTap, diagnosis.Tap);
    }
}
