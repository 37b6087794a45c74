using ClipTools.Families.Official;
using ClipTools.Model;
using ClipTools.Model.Weights;
using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.Cli;
using ClipTools.Verifier.Verification;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Tests.FaultInjection;

/// <summary>A realistic porting fault in one weight of one block, and where the verifier must find it.</summary>
/// <param name="FirstTap">The tap the fault first shows at: the first divergence in both modes.</param>
/// <param name="Block">The tap of the block holding the fault: isolated, every tap of its tower after it passes.</param>
public sealed record Fault(string Model, string Parameter, string Kind, string FirstTap, string Block)
{
    public override string ToString() => $"{Model}: {Kind} {Parameter}";

    /// <summary>Applies the fault to the loaded model's parameter, in place.</summary>
    public void Apply(Clip model)
    {
        using var noGrad = no_grad();
        var parameter = model.named_parameters().Single(p => p.name == Parameter).parameter;
        switch (Kind)
        {
            case "scale":
                // A weight 1% off (a wrong constant, a stale checkpoint): far above float32 noise, far below "garbage".
                parameter.mul_(1.01);
                break;
            case "nudge":
                // One element off by a tenth of the weight's largest magnitude.
                using (var flat = parameter.view(-1))
                using (var first = flat[0])
                {
                    first.add_(0.1 * parameter.abs().max().item<float>());
                }
                break;
            case "transpose":
                // The classic: a square projection loaded without (or with one too many) transposes.
                using (var transposed = parameter.t().clone())
                {
                    parameter.copy_(transposed);
                }
                break;
            default:
                throw new ArgumentException(Kind);
        }
    }
}

/// <summary>The fixtures, opened once for every fault-injection test.</summary>
public sealed class TinyFixtures : IDisposable
{
    private readonly Dictionary<string, Fixture> _fixtures = new()
    {
        ["tiny_rn"] = Fixture.Open(RepositoryPaths.Fixture("tiny", "tiny_rn.fixture.safetensors")),
        ["tiny_vit"] = Fixture.Open(RepositoryPaths.Fixture("tiny", "tiny_vit.fixture.safetensors")),
    };

    public Fixture For(string model) => _fixtures[model];

    public static string Weights(string model) => RepositoryPaths.Fixture("tiny", $"{model}.dat");

    public void Dispose()
    {
        foreach (var fixture in _fixtures.Values)
        {
            fixture.Dispose();
        }
    }
}

/// <summary>
/// Fault injection (issue 5): perturb one weight of one block, or swap a transpose, save the model as a .dat, and the
/// verifier names that block as the first divergence in both modes: no tap before it fails, isolated the blocks after
/// it pass again (they are fed the reference's input), chained the error carries on to the end of its tower. The
/// other tower is untouched and passes. The unperturbed models are the control: everything passes.
/// </summary>
public sealed class FaultInjectionTests(TinyFixtures fixtures) : IClassFixture<TinyFixtures>, IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<Fault> Faults =>
    [
        new("tiny_rn", "visual.layer2.1.conv2.weight", "scale", "visual.layer2.1.conv2", "visual.layer2.1"),
        new("tiny_rn", "visual.layer3.0.conv1.weight", "nudge", "visual.layer3.0.conv1", "visual.layer3.0"),
        new("tiny_rn", "transformer.resblocks.1.attn.out_proj.weight", "transpose", "transformer.resblocks.1.attn", "transformer.resblocks.1"),
        new("tiny_vit", "visual.transformer.resblocks.0.attn.out_proj.weight", "transpose", "visual.transformer.resblocks.0.attn", "visual.transformer.resblocks.0"),
        new("tiny_vit", "transformer.resblocks.0.mlp.c_fc.weight", "scale", "transformer.resblocks.0.mlp.c_fc", "transformer.resblocks.0"),
    ];

    [Theory]
    [InlineData("tiny_rn")]
    [InlineData("tiny_vit")]
    public void TheUnperturbedModelPassesInBothModes(string model)
    {
        var (chained, isolated) = Verify(model, SavedCopy(model, fault: null));

        Assert.All(new[] { chained, isolated }, mode =>
        {
            Assert.Null(mode.FirstDivergence);
            Assert.Equal(0, mode.FailedCount);
            Assert.Equal(fixtures.For(model).Taps.Count, mode.Taps.Count);
        });
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public void TheFaultyBlockIsTheFirstDivergenceInBothModes(Fault fault)
    {
        var (chained, isolated) = Verify(fault.Model, SavedCopy(fault.Model, fault));
        var taps = chained.Taps.Select(t => t.Name).ToList();
        var first = taps.IndexOf(fault.FirstTap);
        var block = taps.IndexOf(fault.Block);
        Assert.True(first >= 0 && block >= first, $"{fault.FirstTap} / {fault.Block} not taps in order");
        var tower = chained.Taps[first].Tower;

        foreach (var mode in new[] { chained, isolated })
        {
            Assert.Equal(fault.FirstTap, mode.FirstDivergence?.Name);
            Assert.Equal(first, mode.FirstDivergenceIndex);
            // No tap before the fault fails (FirstDivergence says so too; this says what it means).
            Assert.All(mode.Taps.Take(first), t => Assert.True(t.Passed, $"{mode.Mode} {t.Name}: {t.Reason}"));
            // The fault is far outside float32 noise, not a borderline call.
            Assert.True(mode.Taps[first].Ratio > 100, $"{mode.Mode} {fault.FirstTap}: ratio {mode.Taps[first].Ratio}");
            // The block's own output fails in either mode.
            Assert.False(mode.Taps[block].Passed, $"{mode.Mode} {fault.Block}");
            // The other tower never sees the fault.
            Assert.All(mode.Taps.Where(t => t.Tower != tower), t => Assert.True(t.Passed, $"{mode.Mode} {t.Name}: {t.Reason}"));
        }

        // Chained: the error carries on from the block's output through every later tap of the tower, and into its
        // features and the logits. (Inside the block a tap the fault cannot reach, such as a downsample branch, passes.)
        Assert.All(chained.Taps.Skip(block).Where(t => t.Tower == tower), t => Assert.False(t.Passed, $"chained {t.Name}"));
        var chainedOutputs = chained.Outputs.ToDictionary(o => o.Name);
        Assert.False(chainedOutputs[$"{tower}_features"].Passed);
        Assert.False(chainedOutputs["logits_per_image"].Passed);

        // Isolated: every block after the faulty one is fed the reference's input and passes again, as do the
        // tower's features and the logits (its head is fed the reference too).
        Assert.Contains(isolated.Taps.Skip(block + 1), t => t.Tower == tower);
        Assert.All(isolated.Taps.Skip(block + 1), t => Assert.True(t.Passed, $"isolated {t.Name}: {t.Reason}"));
        Assert.DoesNotContain(isolated.Outputs, o => o.Name == "seed_logit");   // an end-to-end number only
        Assert.All(isolated.Outputs, o => Assert.True(o.Passed, $"isolated {o.Name}: {o.Reason}"));
    }

    [Fact]
    public void TheCliReportNamesTheFaultyBlockInBothModes()
    {
        var fault = (Fault)((IEnumerable<object[]>)Faults).First()[0];
        var weights = SavedCopy(fault.Model, fault);
        var directory = _temp.File("report");

        var result = ClipVerify.Run(weights, RepositoryPaths.Fixture("tiny", $"{fault.Model}.fixture.safetensors"),
            "--report", directory, "--no-color");

        Assert.True(result.ExitCode == 1, result.Stdout + result.Stderr);
        Assert.Contains($"first divergence: {fault.FirstTap}", result.Stdout);
        var report = ReportJson.Read(directory);
        Assert.Equal("fail", report.Verdict);
        Assert.Equal(["chained", "isolated"], report.Modes.Select(m => m.Mode));
        Assert.All(report.Modes, m => Assert.Equal(fault.FirstTap, m.FirstDivergence));
    }

    /// <summary>The committed weights with <paramref name="fault"/> applied, saved as a .dat in the temp folder.</summary>
    private string SavedCopy(string model, Fault? fault)
    {
        var path = _temp.File($"{model}-{Guid.NewGuid():N}.dat");
        using var clip = ClipWeights.LoadModel(TinyFixtures.Weights(model));
        fault?.Apply(clip);
        ClipWeights.Save(clip, path);
        return path;
    }

    /// <summary>Loads the weights as clip-verify does and judges them against the fixture, chained and isolated.</summary>
    private (ModeResults Chained, ModeResults Isolated) Verify(string model, string weights)
    {
        var fixture = fixtures.For(model);
        using var clip = ClipModel.Load(weights);
        var judge = new TapJudge(new Torch32RatioRule());
        ModeResults Run(RunMode mode) => FixtureComparison.Compare(fixture, ModelRun.Run(clip, fixture, mode), mode, judge);
        return (Run(RunMode.Chained), Run(RunMode.Isolated));
    }
}
