using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Verification;

/// <summary>Judges every tap and output of a fixture against a candidate's activations, in execution order.</summary>
public static class FixtureComparison
{
    private const string OutputTower = "output";

    /// <summary>Judges a run of our model: every tap, and the outputs that run computes in its mode.</summary>
    public static ModeResults Compare(Fixture fixture, RunResult run, RunMode mode, TapJudge judge) =>
        Compare(fixture, CandidateActivations.From(run), mode, judge, fixture.Outputs.Where(run.Outputs.ContainsKey));

    /// <summary>Judges a run of our model on the taps and outputs of <paramref name="selection"/> (all when null).</summary>
    public static ModeResults Compare(Fixture fixture, RunResult run, RunMode mode, TapJudge judge, TapSelection? selection) =>
        Compare(fixture, CandidateActivations.From(run), mode, judge, fixture.Outputs.Where(run.Outputs.ContainsKey), selection);

    /// <param name="outputs">the outputs to judge: all the fixture's when null</param>
    /// <param name="selection">the taps and outputs to check; the others are reported "not checked" (all checked when null)</param>
    public static ModeResults Compare(Fixture fixture, CandidateActivations candidate, RunMode mode, TapJudge judge,
        IEnumerable<string>? outputs = null, TapSelection? selection = null)
    {
        TapResult Check(string name, string tower, string reference, Func<Activation?> activation) =>
            selection is null || selection.Includes(name)
                ? Judge(fixture, judge, mode, name, tower, reference, activation())
                : TapResult.NotChecked(name, tower, fixture.Shape(reference));
        var taps = fixture.Taps
            .Select(t => Check(t.Name, t.Tower, $"tap.{t.Name}", () => candidate.Tap(t.Name)))
            .ToList();
        var judged = (outputs ?? fixture.Outputs)
            .Select(o => Check(o, OutputTower, $"output.{o}", () => candidate.Output(o)))
            .ToList();
        return new ModeResults(mode, taps, judged);
    }

    /// <summary>Isolated, a tap is judged against PyTorch's float32 run of its stage fed the reference input (the
    /// fixture's isolated baseline) where the fixture has one; chained, against PyTorch's chained float32 run.</summary>
    private static TapResult Judge(Fixture fixture, TapJudge judge, RunMode mode, string name, string tower, string reference, Activation? candidate)
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
        var (float32, noiseRuns) = fixture.Baseline(reference, mode == RunMode.Isolated);
        return judge.Judge(name, tower, shape, candidate.Values, fixture.ReadDoubles(reference), fixture.ReadDoubles(float32), noiseRuns);
    }
}
