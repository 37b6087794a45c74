using System.Text.Json.Nodes;
using ClipTools.Model;
using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.Cli;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests.Verification;

/// <summary>
/// The stages an isolated run feeds what a chained run feeds (a tower's leading stages without a reference input) are
/// computed and judged once per verification: the isolated run takes over the chained judgements, and its results are
/// exactly a full isolated run's. A fixture with an isolated baseline of its own for such a tap gets no takeover.
/// </summary>
public sealed class SharedStageTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("tiny_rn", new[] { "visual.stem", "text.embed", "transformer.resblocks.0" })]
    [InlineData("tiny_vit", new[] { "visual.embed", "text.embed", "transformer.resblocks.0" })]
    public void AnIsolatedRunCanLeaveTheSharedStagesOutAndComputesTheSameOutputs(string model, string[] shared)
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", $"{model}.fixture.safetensors"));
        using var clip = ClipModel.Load(RepositoryPaths.Fixture("tiny", $"{model}.dat"));
        var started = new List<(string Name, bool Shared)>();
        var full = ModelRun.Run(clip, fixture, RunMode.Isolated, onStage: (stage, isShared) => started.Add((stage.Name, isShared)));
        var skipped = new List<string>();
        var lean = ModelRun.Run(clip, fixture, RunMode.Isolated, onStage: (stage, _) => skipped.Add(stage.Name), skipSharedStages: true);

        Assert.Equal(shared, started.Where(s => s.Shared).Select(s => s.Name));
        Assert.Equal(started.Where(s => !s.Shared).Select(s => s.Name), skipped);
        foreach (var (name, output) in full.Outputs)
        {
            Assert.Equal(output.Values, lean.Outputs[name].Values);
        }
        // Only the taps of the stages it left out are missing, and the others are the same values.
        var leanTaps = lean.Taps.ToDictionary(t => t.Name);
        Assert.Contains(full.Taps, t => !leanTaps.ContainsKey(t.Name));
        Assert.All(full.Taps.Where(t => leanTaps.ContainsKey(t.Name)), t => Assert.Equal(t.Values, leanTaps[t.Name].Values));
        Assert.Throws<ArgumentException>(() => ModelRun.Run(clip, fixture, RunMode.Chained, skipSharedStages: true));
    }

    [Theory]
    [InlineData("tiny_rn")]
    [InlineData("tiny_vit")]
    public void TheIsolatedRunTakesOverTheChainedJudgementsAndJudgesAsAFullIsolatedRun(string model)
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", $"{model}.fixture.safetensors"));
        using var clip = ClipModel.Load(RepositoryPaths.Fixture("tiny", $"{model}.dat"));
        var judge = new TapJudge(new Torch32RatioRule());
        var (alone, _) = FixtureComparison.RunAndCompare(clip, fixture, RunMode.Isolated, judge);

        var sharing = new SharedStageJudgements();
        FixtureComparison.RunAndCompare(clip, fixture, RunMode.Chained, judge, sharing: sharing);
        var (shared, candidate) = FixtureComparison.RunAndCompare(clip, fixture, RunMode.Isolated, judge, sharing: sharing);

        Assert.Contains("token_embedding", sharing.Taps);
        Assert.NotNull(sharing.ForIsolated(fixture, fixture.Taps.Select(t => t.Name).ToHashSet(), null));
        AssertSameJudgements(alone, shared);
        // A diagnosis can still have a taken-over tap's values: the model is run again for it.
        Assert.NotNull(candidate.Tap("token_embedding"));
    }

    [Fact]
    public void AFixtureWithAnIsolatedBaselineForASharedTapGetsNoTakeover()
    {
        var path = _temp.File("own-baseline.fixture.safetensors");
        AddIsolatedBaseline(RepositoryPaths.Fixture("tiny", "tiny_rn.fixture.safetensors"), path, "tap.token_embedding");
        using var fixture = Fixture.Open(path);
        using var clip = ClipModel.Load(RepositoryPaths.Fixture("tiny", "tiny_rn.dat"));
        var judge = new TapJudge(new Torch32RatioRule());
        var sharing = new SharedStageJudgements();
        FixtureComparison.RunAndCompare(clip, fixture, RunMode.Chained, judge, sharing: sharing);

        Assert.Null(sharing.ForIsolated(fixture, fixture.Taps.Select(t => t.Name).ToHashSet(), null));
        var (alone, _) = FixtureComparison.RunAndCompare(clip, fixture, RunMode.Isolated, judge);
        var (shared, _) = FixtureComparison.RunAndCompare(clip, fixture, RunMode.Isolated, judge, sharing: sharing);
        AssertSameJudgements(alone, shared);
        Assert.Equal("fp32iso.tap.token_embedding", fixture.Baseline("tap.token_embedding", isolated: true).Float32Tensor);
    }

    private static void AssertSameJudgements(ModeResults want, ModeResults got)
    {
        Assert.Equal(want.All.Select(t => t.Name), got.All.Select(t => t.Name));
        foreach (var (w, g) in want.All.Zip(got.All))
        {
            Assert.Equal((w.Passed, w.Reason, w.Torch32RmsError, w.Ratio, w.Bound), (g.Passed, g.Reason, g.Torch32RmsError, g.Ratio, g.Bound));
            Assert.Equal(w.Metrics is null, g.Metrics is null);
            if (w.Metrics is { } a && g.Metrics is { } b)
            {
                Assert.Equal((a.RmsError, a.MaxAbsError, a.MeanAbsError, a.MaxRelativeError, a.AbsErrorP999, a.CosineSimilarity, a.Worst.FlatIndex),
                    (b.RmsError, b.MaxAbsError, b.MeanAbsError, b.MaxRelativeError, b.AbsErrorP999, b.CosineSimilarity, b.Worst.FlatIndex));
            }
        }
    }

    /// <summary>Copies a fixture with PyTorch's chained float32 result of <paramref name="tensor"/> stored once more as
    /// its isolated baseline (<c>fp32iso.</c>): the same values under the name a stage of its own would have.</summary>
    private static void AddIsolatedBaseline(string source, string destination, string tensor)
    {
        var (header, data) = RawSafetensors.Read(source);
        var chained = header[$"fp32.{tensor}"]!;
        var (begin, end) = RawSafetensors.Offsets(chained);
        header[Fixture.IsolatedPrefix + tensor] = new JsonObject
        {
            ["dtype"] = chained["dtype"]!.GetValue<string>(),
            ["shape"] = chained["shape"]!.DeepClone(),
            ["data_offsets"] = new JsonArray(data.Length, data.Length + (end - begin)),
        };
        RawSafetensors.Write(destination, header, data, data.AsMemory(begin, end - begin));
    }
}
