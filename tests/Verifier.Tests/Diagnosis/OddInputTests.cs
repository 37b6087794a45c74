using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.FaultInjection;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests.Diagnosis;

/// <summary>Every registered detector returns null, never throws, where it cannot apply.</summary>
public sealed class OddInputTests(TinyFixtures fixtures) : IClassFixture<TinyFixtures>
{
    public static TheoryData<string> Detectors => [.. KnownDetectors.All.Select(d => d.GetType().Name)];

    [Theory]
    [MemberData(nameof(Detectors))]
    public void ADetectorThatCannotApplyReturnsNull(string detectorName)
    {
        var detector = KnownDetectors.All.Single(d => d.GetType().Name == detectorName);
        var fixture = fixtures.For("tiny_vit");
        using var clip = FaultyRuns.Load("tiny_vit");
        using var otherModel = FaultyRuns.Load("tiny_rn");
        var run = ModelRun.Run(clip, fixture, RunMode.Chained);
        const string tap = "visual.transformer.resblocks.0.attn";
        var judge = new TapJudge(new Torch32RatioRule());
        var nan = FaultyRuns.WithTap(run, tap, _ => double.NaN);
        var missing = CandidateActivations.From(new RunResult(run.Taps.Where(t => t.Name != tap).ToList(), run.Outputs));
        var passing = FixtureComparison.Compare(fixture, run, RunMode.Chained, judge);
        TapResult Judged(CandidateActivations candidate, string name) =>
            FixtureComparison.Compare(fixture, candidate, RunMode.Chained, judge, fixture.Outputs.Where(run.Outputs.ContainsKey)).All.Single(t => t.Name == name);
        var shapeMismatch = TapJudge.ShapeMismatch(tap, "image", fixture.Shape($"tap.{tap}"), [1, 2, 3]);

        var contexts = new[]
        {
            new DiagnosisContext(fixture, RunMode.Chained, Judged(nan, tap), nan, clip, ModelRole.Candidate),
            new DiagnosisContext(fixture, RunMode.Chained, Judged(missing, tap), missing, clip, ModelRole.Reference),
            new DiagnosisContext(fixture, RunMode.Chained, shapeMismatch, CandidateActivations.From(run), clip, ModelRole.Candidate),
            // a model for another config: nothing to replay
            new DiagnosisContext(fixture, RunMode.Chained, passing.All.Single(t => t.Name == tap), CandidateActivations.From(run), otherModel, ModelRole.Reference),
            // the logits: no stage produces them
            new DiagnosisContext(fixture, RunMode.Chained, passing.All.Single(t => t.Name == "logits_per_image"), CandidateActivations.From(run), clip, ModelRole.Candidate),
        };

        Assert.All(contexts, c => Assert.Null(detector.Examine(c)));
    }
}
