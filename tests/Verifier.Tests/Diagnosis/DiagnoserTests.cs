using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.FaultInjection;

namespace ClipTools.Verifier.Tests.Diagnosis;

public sealed class DiagnoserTests(TinyFixtures fixtures) : IClassFixture<TinyFixtures>
{
    private const string Weight = "visual.transformer.resblocks.0.attn.out_proj.weight";

    [Fact]
    public void APassingModeHasNoDiagnosis()
    {
        using var clip = FaultyRuns.Load("tiny_vit");
        var run = FaultyRuns.Judge(fixtures.For("tiny_vit"), clip, RunMode.Chained);

        var annotated = Diagnoser.Default.Annotate(run.Results, run.Fixture, run.Candidate, clip, ModelRole.Candidate);

        Assert.True(annotated.Passed);
        Assert.Null(annotated.Diagnosis);
    }

    [Fact]
    public void AFailingModeGetsTheBestFindingAndKeepsItsVerdicts()
    {
        using var clip = FaultyRuns.Load("tiny_vit", FaultyRuns.Transpose(Weight));
        var run = FaultyRuns.Judge(fixtures.For("tiny_vit"), clip, RunMode.Isolated);

        var annotated = Diagnoser.Default.Annotate(run.Results, run.Fixture, run.Candidate, clip, ModelRole.Candidate);

        Assert.Equal(Causes.TransposedLinear, annotated.Diagnosis?.Cause);
        Assert.Equal(run.Results.FirstDivergence!.Name, annotated.Diagnosis!.Tap);
        Assert.Equal(run.Results.All.Select(t => t.Passed), annotated.All.Select(t => t.Passed));
    }

    [Fact]
    public void WithoutAMatchingDetectorTheCauseIsUnknownAndSaysWhy()
    {
        using var clip = FaultyRuns.Load("tiny_vit", FaultyRuns.Transpose(Weight));
        var run = FaultyRuns.Judge(fixtures.For("tiny_vit"), clip, RunMode.Isolated);

        var withoutModel = Diagnoser.Default.Annotate(run.Results, run.Fixture, run.Candidate, null, ModelRole.Reference);
        var nothingRegistered = new Diagnoser([]).Annotate(run.Results, run.Fixture, run.Candidate, clip, ModelRole.Candidate);

        Assert.Equal(Causes.Unknown, withoutModel.Diagnosis?.Cause);
        Assert.Contains("no model given", withoutModel.Diagnosis!.Evidence);
        Assert.Equal(Causes.Unknown, nothingRegistered.Diagnosis?.Cause);
    }

    [Fact]
    public void ADetectorThatThrowsIsSkipped()
    {
        using var clip = FaultyRuns.Load("tiny_vit", FaultyRuns.Transpose(Weight));
        var run = FaultyRuns.Judge(fixtures.For("tiny_vit"), clip, RunMode.Isolated);

        var annotated = new Diagnoser([new Throwing(), new ClipTools.Verifier.Diagnosis.Detectors.TransposedLinearDetector()])
            .Annotate(run.Results, run.Fixture, run.Candidate, clip, ModelRole.Candidate);

        Assert.Equal(Causes.TransposedLinear, annotated.Diagnosis?.Cause);
    }

    [Fact]
    public void CauseIdsAreKebabCaseAndDistinct()
    {
        Assert.All(Causes.All, id => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", id));
        Assert.Equal(Causes.All.Count, Causes.All.Distinct().Count());
        Assert.All(KnownDetectors.All, d => Assert.Contains(d.Cause, Causes.All));
    }

    private sealed class Throwing : IFaultDetector
    {
        public string Cause => Causes.GeluVariant;

        public FaultDiagnosis? Examine(DiagnosisContext context) => throw new InvalidOperationException("odd input");
    }
}
