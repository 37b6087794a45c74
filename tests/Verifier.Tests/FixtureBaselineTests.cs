using System.Text.Json.Nodes;
using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.Cli;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests;

/// <summary>The fixture's float32 noise runs and isolated baseline (fixture version 2), and old fixtures without them.</summary>
public sealed class FixtureBaselineTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TheCommittedFixturesHoldNoiseRunsAndTheIsolatedBaseline()
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", "tiny_vit.fixture.safetensors"));
        Assert.Equal(2, fixture.Version);
        Assert.Equal(8, fixture.NoiseRunCount);
        Assert.True(fixture.HasIsolatedBaseline);
        Assert.Empty(fixture.Lacks);
        // A block fed the reference input has its own baseline; the embedding runs from the image in either mode.
        Assert.Equal(("fp32iso.tap.ln_final", 8), Summary(fixture.Baseline("tap.ln_final", isolated: true)));
        Assert.Equal(("fp32.tap.ln_final", 8), Summary(fixture.Baseline("tap.ln_final", isolated: false)));
        Assert.Equal(("fp32.tap.visual.conv1", 8), Summary(fixture.Baseline("tap.visual.conv1", isolated: true)));
        Assert.Equal(("fp32iso.output.logits_per_image", 8), Summary(fixture.Baseline("output.logits_per_image", isolated: true)));
    }

    [Theory]
    [InlineData("tiny_rn", "ln_final")]
    [InlineData("tiny_vit", "ln_final")]
    [InlineData("tiny_vit", "visual.ln_post")]
    public void IsolatedModeIsJudgedAgainstTheStagesOwnFloat32Error(string model, string tap)
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", $"{model}.fixture.safetensors"));
        var exact = ExactCandidate(fixture);
        var judge = new TapJudge(new Torch32RatioRule());
        var chained = FixtureComparison.Compare(fixture, exact, RunMode.Chained, judge).Taps.Single(t => t.Name == tap);
        var isolated = FixtureComparison.Compare(fixture, exact, RunMode.Isolated, judge).Taps.Single(t => t.Name == tap);

        // The isolated baseline carries no error from the blocks before the stage: PyTorch's float32 error there is
        // several times smaller than chained (issue 12: 20x slack after two blocks at tiny_vit's ln_final).
        var isolatedError = ErrorMetrics.RmsError(fixture.ReadDoubles($"fp32iso.tap.{tap}"), fixture.ReadDoubles($"tap.{tap}"));
        Assert.Equal(isolatedError, isolated.Torch32RmsError, 15);
        Assert.True(isolated.Torch32RmsError < chained.Torch32RmsError / 1.5,
            $"isolated {isolated.Torch32RmsError} vs chained {chained.Torch32RmsError}");
        Assert.True(isolated.Bound < chained.Bound, $"isolated bound {isolated.Bound} vs chained {chained.Bound}");
    }

    [Fact]
    public void AVersion1FixtureStillLoadsAndSaysWhatItLacks()
    {
        var path = _temp.File("old.fixture.safetensors");
        WriteAsVersion1(RepositoryPaths.Fixture("tiny", "tiny_vit.fixture.safetensors"), path);
        using var fixture = Fixture.Open(path);

        Assert.Equal(1, fixture.Version);
        Assert.Equal(0, fixture.NoiseRunCount);
        Assert.False(fixture.HasIsolatedBaseline);
        Assert.Collection(fixture.Lacks,
            l => Assert.Contains("no perturbed float32 runs", l),
            l => Assert.Contains("no isolated baseline", l));
        // Still judged, against the one float32 run it has, in both modes.
        Assert.Equal(("fp32.tap.ln_final", 0), Summary(fixture.Baseline("tap.ln_final", isolated: true)));
        var results = FixtureComparison.Compare(fixture, ExactCandidate(fixture), RunMode.Isolated, new TapJudge(new Torch32RatioRule()));
        Assert.True(results.Passed);
        Assert.All(results.All, r => Assert.Equal(1, r.Noise!.Runs));
    }

    private static (string, int) Summary((string Tensor, IReadOnlyList<double>? Runs) baseline) =>
        (baseline.Tensor, baseline.Runs?.Count ?? 0);

    /// <summary>A candidate that equals the float64 reference at every tap and output.</summary>
    private static CandidateActivations ExactCandidate(Fixture fixture)
    {
        Activation Read(string name, string tensor) => new(name, fixture.Shape(tensor), fixture.ReadDoubles(tensor));
        var taps = fixture.Taps.Select(t => Read(t.Name, $"tap.{t.Name}")).ToList();
        var outputs = fixture.Outputs.ToDictionary(o => o, o => Read(o, $"output.{o}"));
        return CandidateActivations.From(new RunResult(taps, outputs));
    }

    /// <summary>Rewrites a fixture as version 1 wrote it: no fp32iso.* tensors, no manifest noise, version 1.</summary>
    private static void WriteAsVersion1(string source, string destination)
    {
        var (header, bytes) = RawSafetensors.Read(source);
        var manifest = JsonNode.Parse(header["__metadata__"]!["manifest"]!.GetValue<string>())!.AsObject();
        manifest.Remove("noise");
        manifest["version"] = 1;
        var data = new MemoryStream();
        var newHeader = new JsonObject { ["__metadata__"] = new JsonObject { ["manifest"] = manifest.ToJsonString() } };
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__" || name.StartsWith(Fixture.IsolatedPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            var (begin, end) = RawSafetensors.Offsets(node!);
            var start = data.Length;
            data.Write(bytes, begin, end - begin);
            newHeader[name] = new JsonObject
            {
                ["dtype"] = node!["dtype"]!.GetValue<string>(),
                ["shape"] = node["shape"]!.DeepClone(),
                ["data_offsets"] = new JsonArray(start, data.Length),
            };
        }
        RawSafetensors.Write(destination, newHeader, data.ToArray());
    }
}
