using ClipTools.Model;
using ClipTools.Testing;
using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.FaultInjection;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests.Diagnosis;

/// <summary>
/// The committed PyTorch-made fault candidates (fixtures/verifier/faults) of the causes these detectors own, judged
/// as <c>compare --model</c> does (the faithful committed weights in the reference role): the diagnosis names the
/// cause the candidate was made with, at its right tap. A float16/bfloat16 block is named without a model too.
/// </summary>
public sealed class FaultCandidateDiagnosisTests
{
    private static readonly string[] Owned =
        [Causes.ReducedPrecision, Causes.TransposedLinear, Causes.QkvOrder, Causes.ScaledOrShiftedWeight];

    public static TheoryData<string> Files => [.. FaultCandidate.All.Where(c => Owned.Contains(c.Cause)).Select(c => c.File)];

    public static TheoryData<string> OtherFiles => [.. FaultCandidate.All.Where(c => !Owned.Contains(c.Cause)).Select(c => c.File)];

    /// <summary>The structural faults (GELU, epsilons, masks, scale, pooling) are not mistaken for these causes.</summary>
    [Theory]
    [MemberData(nameof(OtherFiles))]
    public void NoneOfTheseDetectorsClaimsAnotherCause(string file)
    {
        var candidate = FaultCandidate.All.Single(c => c.File == file);
        var detectors = KnownDetectors.All.Where(d => Owned.Contains(d.Cause)).ToList();
        var claims = Judge(candidate, (fixture, activations, results, model) =>
        {
            var context = new DiagnosisContext(fixture, RunMode.Chained, results.FirstDivergence!, activations, model, ModelRole.Reference);
            return detectors.Select(d => d.Examine(context)).OfType<FaultDiagnosis>().Select(f => $"{f.Cause}: {f.Evidence}").ToList();
        });

        Assert.Equal(Owned.Length, detectors.Count);
        Assert.True(claims.Count == 0, $"{candidate.Fault} named {string.Join("; ", claims)}");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void TheDiagnosisNamesTheCauseTheCandidateWasMadeWith(string file)
    {
        var candidate = FaultCandidate.All.Single(c => c.File == file);
        var (diagnosis, withoutModel) = Judge(candidate, (fixture, activations, results, model) => (
            Diagnoser.Default.Annotate(results, fixture, activations, model, ModelRole.Reference).Diagnosis,
            Diagnoser.Default.Annotate(results, fixture, activations, null, ModelRole.Reference).Diagnosis));

        Assert.Equal(candidate.RightTap, diagnosis?.Tap);
        Assert.True(candidate.Cause == diagnosis!.Cause, $"{candidate.Fault}: {diagnosis.Cause}: {diagnosis.Evidence}");
        if (candidate.Cause == Causes.ReducedPrecision)
        {
            Assert.Equal(Causes.ReducedPrecision, withoutModel?.Cause);
            Assert.StartsWith(candidate.Fault.Split('-')[0] + ":", withoutModel!.Evidence);
        }
    }

    private static T Judge<T>(FaultCandidate candidate, Func<Fixture, CandidateActivations, ModeResults, IDualEncoder, T> use)
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture(candidate.Fixture));
        using var dump = TensorFile.Open(candidate.Path);
        var activations = CandidateActivations.FromDump(dump);
        var results = FixtureComparison.Compare(fixture, activations, RunMode.Chained, new TapJudge(new Torch32RatioRule()),
            selection: new TapSelection(candidate.Taps));
        using var model = ClipModel.Load(TinyFixtures.Weights(Path.GetFileName(candidate.Fixture).Split('.')[0]));
        return use(fixture, activations, results, model);
    }
}
