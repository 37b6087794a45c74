using System.Text.Json;
using ClipTools.Testing;
using ClipTools.Verifier.Tests.Cli;

namespace ClipTools.Verifier.Tests.FaultInjection;

/// <summary>One committed fault candidate, as fixtures/verifier/faults/index.json lists it.</summary>
public sealed record FaultCandidate(string File, string Fixture, string Fault, string Cause, string RightTap, IReadOnlyList<string> Taps)
{
    public static IReadOnlyList<FaultCandidate> All { get; } = Read();

    public string Path => RepositoryPaths.Fixture("verifier", "faults", File);

    private static List<FaultCandidate> Read()
    {
        using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(RepositoryPaths.Fixture("verifier", "faults", "index.json")));
        return doc.RootElement.GetProperty("candidates").EnumerateArray().Select(c => new FaultCandidate(
            c.GetProperty("file").GetString()!,
            c.GetProperty("fixture").GetString()!,
            c.GetProperty("fault").GetString()!,
            c.GetProperty("cause").GetString()!,
            c.GetProperty("right_tap").GetString()!,
            c.GetProperty("taps").EnumerateArray().Select(t => t.GetString()!).ToList())).ToList();
    }
}

/// <summary>
/// The sensitivity guard: every committed fault candidate (fixtures/verifier/faults, made by PyTorch with one classic
/// porting fault each: erf GELU, LayerNorm/BatchNorm epsilon, a float16/bfloat16 block, end-of-text pooling, a
/// transposed Linear, q/k/v order, no causal mask, attention scale, a weight scaled by 1 + 1e-5 or shifted) is judged
/// FAIL by <c>clip-verify compare</c>, first at the tap where the fault enters, with the tap before it passing.
/// A judgement rule loosened past these faults fails here.
/// </summary>
public sealed class FaultCandidateTests
{
    private static readonly string[] CauseIds =
    [
        "gelu-variant", "layernorm-eps", "batchnorm-eps", "reduced-precision", "eot-pooling", "transposed-linear",
        "qkv-order", "causal-mask", "attention-scale", "scaled-or-shifted-weight",
    ];

    public static TheoryData<string> Files => [.. FaultCandidate.All.Select(c => c.File)];

    [Theory]
    [MemberData(nameof(Files))]
    public void CompareFailsFirstAtTheFaultsTap(string file)
    {
        var candidate = FaultCandidate.All.Single(c => c.File == file);

        var result = ClipVerify.Run(["compare", RepositoryPaths.Fixture(candidate.Fixture), candidate.Path, "--json", "--taps", .. candidate.Taps]);

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Stderr}");
        using var report = JsonDocument.Parse(result.Stdout);
        Assert.Equal("fail", report.RootElement.GetProperty("verdict").GetString());
        var mode = report.RootElement.GetProperty("modes").EnumerateArray().Single();
        Assert.Equal(candidate.RightTap, mode.GetProperty("first_divergence").GetString());
        var verdicts = mode.GetProperty("taps").EnumerateArray().Concat(mode.GetProperty("outputs").EnumerateArray())
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("verdict").GetString());
        Assert.Equal("fail", verdicts[candidate.RightTap]);
        // the candidate's tap before the fault is checked and passes: the judge is not failing everything
        var before = candidate.Taps.TakeWhile(t => t != candidate.RightTap).ToList();
        Assert.All(before, t => Assert.Equal("pass", verdicts[t]));
    }

    [Fact]
    public void EveryFaultClassHasACandidateForBothTinyModels()
    {
        var byModel = FaultCandidate.All.GroupBy(c => c.Fixture).ToDictionary(g => g.Key, g => g.Select(c => c.Fault).ToList());

        Assert.Equal(12, byModel["tiny/tiny_rn.fixture.safetensors"].Distinct().Count());
        Assert.Equal(11, byModel["tiny/tiny_vit.fixture.safetensors"].Distinct().Count());  // no BatchNorm in a ViT
        Assert.Equal(CauseIds.Order(), FaultCandidate.All.Select(c => c.Cause).Distinct().Order());
        Assert.All(FaultCandidate.All, c => Assert.Contains(c.RightTap, c.Taps));
    }
}
