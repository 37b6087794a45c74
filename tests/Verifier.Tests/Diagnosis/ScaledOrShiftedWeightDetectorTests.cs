using System.Globalization;
using System.Text.RegularExpressions;
using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Diagnosis.Detectors;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.FaultInjection;

namespace ClipTools.Verifier.Tests.Diagnosis;

public sealed partial class ScaledOrShiftedWeightDetectorTests(TinyFixtures fixtures) : IClassFixture<TinyFixtures>
{
    private readonly ScaledOrShiftedWeightDetector _detector = new();

    /// <summary>The judge bench's size of fault: 1 +- 1e-5, just above float32 noise.</summary>
    [Theory]
    [InlineData("tiny_rn", "visual.layer2.1.conv2.weight", 1e-5, RunMode.Isolated)]
    [InlineData("tiny_rn", "transformer.resblocks.1.mlp.c_fc.weight", -1e-5, RunMode.Chained)]
    [InlineData("tiny_vit", "visual.transformer.resblocks.0.attn.in_proj_weight", 1e-5, RunMode.Isolated)]
    [InlineData("tiny_vit", "transformer.resblocks.0.mlp.c_proj.weight", -1e-5, RunMode.Chained)]
    public void NamesTheScaledWeightAndItsFactor(string model, string weight, double e, RunMode mode)
    {
        using var faulty = FaultyRuns.Load(model, FaultyRuns.Scale(weight, 1 + e));
        using var faithful = FaultyRuns.Load(model);
        var run = FaultyRuns.Judge(fixtures.For(model), faulty, mode);
        Assert.False(run.Results.Passed);

        foreach (var (clip, role) in new[] { (faulty, ModelRole.Candidate), (faithful, ModelRole.Reference) })
        {
            var finding = _detector.Examine(run.Context(clip, role));

            Assert.Equal(Causes.ScaledOrShiftedWeight, finding?.Cause);
            var match = ScaledBy().Match(finding!.Evidence);
            Assert.True(match.Success && match.Groups[1].Value == weight, finding.Evidence);
            var fitted = double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            Assert.InRange(fitted / e, 0.8, 1.25);
        }
    }

    [Theory]
    [InlineData("tiny_rn", "transformer.resblocks.0.mlp.c_fc.weight")]
    [InlineData("tiny_vit", "visual.transformer.resblocks.1.mlp.c_proj.weight")]
    public void NamesAShiftedWeight(string model, string weight)
    {
        using var faulty = FaultyRuns.Load(model, FaultyRuns.Shift(weight, 1e-4));
        var run = FaultyRuns.Judge(fixtures.For(model), faulty, RunMode.Isolated);

        var finding = _detector.Examine(run.Context(faulty, ModelRole.Candidate));

        Assert.Equal(Causes.ScaledOrShiftedWeight, finding?.Cause);
        Assert.StartsWith($"{weight} shifted by", finding!.Evidence);
    }

    [Fact]
    public void IsSilentOnAFaithfulCandidate()
    {
        using var faithful = FaultyRuns.Load("tiny_rn");
        var run = FaultyRuns.Judge(fixtures.For("tiny_rn"), faithful, RunMode.Isolated);

        foreach (var tap in new[] { "visual.layer2.1.conv2", "transformer.resblocks.1.mlp.c_fc", "image_features" })
        {
            Assert.Null(_detector.Examine(run.Context(faithful, ModelRole.Candidate, tap)));
        }
    }

    [Theory]
    [InlineData("transpose")]
    [InlineData("qkv")]
    public void IsSilentOnAnotherFault(string fault)
    {
        const string attention = "visual.transformer.resblocks.0.attn";
        using var faulty = FaultyRuns.Load("tiny_vit", fault == "transpose"
            ? FaultyRuns.Transpose($"{attention}.out_proj.weight")
            : FaultyRuns.PermuteQkv(attention, [1, 0, 2]));
        var run = FaultyRuns.Judge(fixtures.For("tiny_vit"), faulty, RunMode.Isolated);

        Assert.Null(_detector.Examine(run.Context(faulty, ModelRole.Candidate)));
    }

    [GeneratedRegex(@"^(\S+) scaled by 1([+-][0-9.]+e[+-]?[0-9]+):")]
    private static partial Regex ScaledBy();
}
