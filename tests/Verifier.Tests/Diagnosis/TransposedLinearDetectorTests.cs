using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Diagnosis.Detectors;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.FaultInjection;

namespace ClipTools.Verifier.Tests.Diagnosis;

public sealed class TransposedLinearDetectorTests(TinyFixtures fixtures) : IClassFixture<TinyFixtures>
{
    private readonly TransposedLinearDetector _detector = new();

    public static TheoryData<string, string, RunMode> Transposed => new()
    {
        { "tiny_vit", "visual.transformer.resblocks.0.attn.out_proj.weight", RunMode.Isolated },
        { "tiny_vit", "visual.transformer.resblocks.0.attn.out_proj.weight", RunMode.Chained },
        { "tiny_rn", "transformer.resblocks.1.attn.out_proj.weight", RunMode.Chained },
        { "tiny_rn", "visual.attnpool.v_proj.weight", RunMode.Isolated },
    };

    [Theory]
    [MemberData(nameof(Transposed))]
    public void NamesTheTransposedWeightOfTheModelBeingVerified(string model, string weight, RunMode mode)
    {
        using var clip = FaultyRuns.Load(model, FaultyRuns.Transpose(weight));
        var run = FaultyRuns.Judge(fixtures.For(model), clip, mode);

        var finding = _detector.Examine(run.Context(clip, ModelRole.Candidate));

        Assert.NotNull(finding);
        Assert.Equal(Causes.TransposedLinear, finding.Cause);
        Assert.Equal(run.Results.FirstDivergence!.Name, finding.Tap);
        Assert.StartsWith($"{weight} transposed: RMS error", finding.Evidence);
        Assert.True(finding.Support > 0.99, finding.Evidence);
    }

    [Theory]
    [MemberData(nameof(Transposed))]
    public void NamesItInAnotherPortsDumpGivenTheFaithfulModel(string model, string weight, RunMode mode)
    {
        using var faulty = FaultyRuns.Load(model, FaultyRuns.Transpose(weight));
        using var faithful = FaultyRuns.Load(model);
        var run = FaultyRuns.Judge(fixtures.For(model), faulty, mode);

        var finding = _detector.Examine(run.Context(faithful, ModelRole.Reference));

        Assert.Equal(Causes.TransposedLinear, finding?.Cause);
        Assert.StartsWith($"{weight} transposed", finding!.Evidence);
    }

    [Theory]
    [InlineData("tiny_vit", "visual.transformer.resblocks.0.attn")]
    [InlineData("tiny_rn", "transformer.resblocks.1.attn")]
    public void IsSilentOnAFaithfulCandidate(string model, string tap)
    {
        using var clip = FaultyRuns.Load(model);
        var run = FaultyRuns.Judge(fixtures.For(model), clip, RunMode.Isolated);

        Assert.Null(_detector.Examine(run.Context(clip, ModelRole.Candidate, tap)));
        Assert.Null(_detector.Examine(run.Context(clip, ModelRole.Reference, tap)));
    }

    [Theory]
    [InlineData("tiny_vit", "visual.transformer.resblocks.0.attn.out_proj.weight")]
    [InlineData("tiny_rn", "transformer.resblocks.1.attn.in_proj_weight")]
    public void IsSilentOnAScaledWeight(string model, string weight)
    {
        using var clip = FaultyRuns.Load(model, FaultyRuns.Scale(weight, 1.01));
        var run = FaultyRuns.Judge(fixtures.For(model), clip, RunMode.Isolated);

        Assert.False(run.Results.Passed);
        Assert.Null(_detector.Examine(run.Context(clip, ModelRole.Candidate)));
    }

    [Fact]
    public void CannotApplyWithoutAModel()
    {
        using var clip = FaultyRuns.Load("tiny_vit", FaultyRuns.Transpose("visual.transformer.resblocks.0.attn.out_proj.weight"));
        var run = FaultyRuns.Judge(fixtures.For("tiny_vit"), clip, RunMode.Isolated);

        Assert.Null(_detector.Examine(run.Context(null, ModelRole.Reference)));
    }
}
