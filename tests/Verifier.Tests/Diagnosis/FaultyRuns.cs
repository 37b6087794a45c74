using ClipTools.Families.Official;
using ClipTools.Model.Weights;
using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.FaultInjection;
using ClipTools.Verifier.Verification;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Tests.Diagnosis;

/// <summary>A run of a committed tiny model, possibly with a fault applied, judged against its fixture.</summary>
public sealed record JudgedRun(Fixture Fixture, ModeResults Results, CandidateActivations Candidate, RunResult Run)
{
    /// <summary>The context of the first divergence (or of <paramref name="tap"/>, failing or not).</summary>
    public DiagnosisContext Context(Clip? model, ModelRole role, string? tap = null)
    {
        var failing = tap is null
            ? Results.FirstDivergence ?? throw new InvalidOperationException("the run passed")
            : Results.All.Single(t => t.Name == tap);
        return new DiagnosisContext(Fixture, Results.Mode, failing, Candidate, model, role);
    }
}

/// <summary>Builds the detectors' test cases: the tiny models run by TorchSharp with a porting fault applied.</summary>
public static class FaultyRuns
{
    /// <summary>The committed weights of <paramref name="model"/>, with <paramref name="fault"/> applied when given.</summary>
    public static Clip Load(string model, Action<Clip>? fault = null)
    {
        var clip = ClipWeights.LoadModel(TinyFixtures.Weights(model));
        if (fault is not null)
        {
            using var noGrad = no_grad();
            fault(clip);
        }
        return clip;
    }

    public static JudgedRun Judge(Fixture fixture, Clip clip, RunMode mode)
    {
        var run = ModelRun.Run(clip, fixture, mode);
        var results = FixtureComparison.Compare(fixture, run, mode, new TapJudge(new Torch32RatioRule()));
        return new JudgedRun(fixture, results, CandidateActivations.From(run), run);
    }

    /// <summary><paramref name="run"/> with the values of <paramref name="tap"/> replaced.</summary>
    public static CandidateActivations WithTap(RunResult run, string tap, Func<double, double> change) =>
        CandidateActivations.From(new RunResult(
            run.Taps.Select(t => t.Name == tap ? t with { Values = t.Values.Select(change).ToArray() } : t).ToList(),
            run.Outputs));

    public static Tensor Parameter(Clip clip, string name) =>
        clip.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(clip.named_buffers()).Single(p => p.name == name).Item2;

    /// <summary>A fault that transposes a square weight in place.</summary>
    public static Action<Clip> Transpose(string name) => clip =>
    {
        var p = Parameter(clip, name);
        using var t = p.t().clone();
        p.copy_(t);
    };

    /// <summary>A fault that reorders a packed in_proj weight and bias: chunk i takes what was at order[i].</summary>
    public static Action<Clip> PermuteQkv(string attention, int[] order) => clip =>
    {
        foreach (var name in new[] { $"{attention}.in_proj_weight", $"{attention}.in_proj_bias" })
        {
            var p = Parameter(clip, name);
            var chunks = p.chunk(3, 0);
            using var permuted = cat(order.Select(i => chunks[i]).ToList(), 0);
            p.copy_(permuted);
        }
    };

    /// <summary>A fault that adds <paramref name="fraction"/> x the weight's RMS to every element, in place.</summary>
    public static Action<Clip> Shift(string name, double fraction) => clip =>
    {
        var p = Parameter(clip, name);
        p.add_(fraction * p.square().mean().sqrt().item<float>());
    };

    /// <summary>A fault that scales a weight by <paramref name="factor"/> in place.</summary>
    public static Action<Clip> Scale(string name, double factor) => clip => Parameter(clip, name).mul_(factor);
}
