using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Verification;

/// <summary>Judges every tap and output of a fixture against a candidate's activations, in execution order.</summary>
public static class FixtureComparison
{
    private const string OutputTower = "output";

    public static ModeResults Compare(Fixture fixture, CandidateActivations candidate, RunMode mode, TapJudge judge)
    {
        var taps = fixture.Taps
            .Select(t => Judge(fixture, judge, t.Name, t.Tower, $"tap.{t.Name}", candidate.Tap(t.Name)))
            .ToList();
        var outputs = fixture.Outputs
            .Select(o => Judge(fixture, judge, o, OutputTower, $"output.{o}", candidate.Output(o)))
            .ToList();
        return new ModeResults(mode, taps, outputs);
    }

    private static TapResult Judge(Fixture fixture, TapJudge judge, string name, string tower, string reference, Activation? candidate)
    {
        var shape = fixture.Shape(reference);
        if (candidate is null)
        {
            return new TapResult(name, tower, shape, null, double.NaN, double.NaN, double.NaN, null, false, "missing from the candidate");
        }
        if (!candidate.Shape.SequenceEqual(shape))
        {
            return TapJudge.ShapeMismatch(name, tower, shape, candidate.Shape);
        }
        return judge.Judge(name, tower, shape, candidate.Values, fixture.ReadDoubles(reference), fixture.ReadDoubles($"fp32.{reference}"));
    }
}
