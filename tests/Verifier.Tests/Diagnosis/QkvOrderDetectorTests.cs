using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Diagnosis.Detectors;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.FaultInjection;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Tests.Diagnosis;

public sealed class QkvOrderDetectorTests(TinyFixtures fixtures) : IClassFixture<TinyFixtures>
{
    private readonly QkvOrderDetector _detector = new();

    [Theory]
    [InlineData("tiny_vit", "visual.transformer.resblocks.1.attn", RunMode.Isolated)]
    [InlineData("tiny_rn", "transformer.resblocks.0.attn", RunMode.Chained)]
    public void NamesQkvReadAsKqvInTheModelBeingVerifiedAndInADump(string model, string attention, RunMode mode)
    {
        // The port reads the packed rows as (k, q, v): its q is the reference's k and the other way round.
        using var faulty = FaultyRuns.Load(model, FaultyRuns.PermuteQkv(attention, [1, 0, 2]));
        using var faithful = FaultyRuns.Load(model);
        var run = FaultyRuns.Judge(fixtures.For(model), faulty, mode);

        foreach (var (clip, role) in new[] { (faulty, ModelRole.Candidate), (faithful, ModelRole.Reference) })
        {
            var finding = _detector.Examine(run.Context(clip, role));

            Assert.Equal(Causes.QkvOrder, finding?.Cause);
            Assert.StartsWith($"{attention}.in_proj split as (k, q, v) instead of (q, k, v)", finding!.Evidence);
        }
    }

    [Fact]
    public void TellsTheOrderApart()
    {
        // (v, q, k): chunk 0 is used as v, chunk 1 as q, chunk 2 as k, so q = chunk 1, k = chunk 2, v = chunk 0.
        const string attention = "transformer.resblocks.1.attn";
        using var faulty = FaultyRuns.Load("tiny_vit", FaultyRuns.PermuteQkv(attention, [1, 2, 0]));
        using var faithful = FaultyRuns.Load("tiny_vit");
        var run = FaultyRuns.Judge(fixtures.For("tiny_vit"), faulty, RunMode.Isolated);

        Assert.StartsWith($"{attention}.in_proj split as (v, q, k)", _detector.Examine(run.Context(faithful, ModelRole.Reference))?.Evidence);
        Assert.StartsWith($"{attention}.in_proj split as (v, q, k)", _detector.Examine(run.Context(faulty, ModelRole.Candidate))?.Evidence);
    }

    [Fact]
    public void NamesSwappedProjectionsOfTheAttentionPool()
    {
        using var faulty = FaultyRuns.Load("tiny_rn", clip =>
        {
            foreach (var kind in new[] { "weight", "bias" })
            {
                var q = FaultyRuns.Parameter(clip, $"visual.attnpool.q_proj.{kind}");
                var k = FaultyRuns.Parameter(clip, $"visual.attnpool.k_proj.{kind}");
                using var saved = q.clone();
                q.copy_(k);
                k.copy_(saved);
            }
        });
        var run = FaultyRuns.Judge(fixtures.For("tiny_rn"), faulty, RunMode.Isolated);

        var finding = _detector.Examine(run.Context(faulty, ModelRole.Candidate));

        Assert.Equal(Causes.QkvOrder, finding?.Cause);
        Assert.StartsWith("visual.attnpool.q/k/v_proj split as (k, q, v)", finding!.Evidence);
    }

    [Fact]
    public void IsSilentOnAFaithfulCandidateAndOnAnotherFault()
    {
        using var faithful = FaultyRuns.Load("tiny_vit");
        var passing = FaultyRuns.Judge(fixtures.For("tiny_vit"), faithful, RunMode.Isolated);
        using var transposed = FaultyRuns.Load("tiny_vit", FaultyRuns.Transpose("visual.transformer.resblocks.0.attn.out_proj.weight"));
        var failing = FaultyRuns.Judge(fixtures.For("tiny_vit"), transposed, RunMode.Isolated);

        Assert.Null(_detector.Examine(passing.Context(faithful, ModelRole.Candidate, "visual.transformer.resblocks.0.attn")));
        Assert.Null(_detector.Examine(failing.Context(transposed, ModelRole.Candidate)));
        Assert.Null(_detector.Examine(failing.Context(faithful, ModelRole.Reference)));
    }
}
