using ClipTools.Checkpoints.Formats;
using ClipTools.Verifier.Fixtures;

namespace ClipTools.Verifier.Tests.Cli;

/// <summary>
/// <c>clip-verify compare FIXTURE CANDIDATE</c> on dumps another port would write: the numpy-written dump with a
/// wrong GELU (fixtures/verifier/make_dump_fixtures.py), the fixture's own reference, and broken candidates.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class CompareCommandTests : IDisposable
{
    private const string WrongTap = "visual.transformer.resblocks.1.mlp.gelu";

    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void NumpyDumpWithAWrongGeluNamesThatTapAsTheFirstDivergence()
    {
        var directory = _temp.File("report");
        var result = ClipVerify.Run("compare", ClipVerify.VitFixture, ClipVerify.VitPortDump, "--report", directory, "--no-color");

        Assert.True(result.ExitCode == 1, result.Stdout + result.Stderr);
        Assert.Equal("", result.Stderr);
        Assert.Contains($"first divergence: {WrongTap}", result.Stdout);
        var report = ReportJson.Read(directory);
        var chained = Assert.Single(report.Modes);
        Assert.Equal("chained", chained.Mode);
        Assert.Equal(WrongTap, chained.FirstDivergence);
        var wrong = chained.IndexOf(WrongTap);
        Assert.True(wrong > 0);
        // The port's float32 noise passes everywhere before the bug ...
        Assert.All(chained.Taps.Take(wrong), t => Assert.True(t.Passed, $"{t.Name}: {t.Reason}"));
        // ... the bug and everything computed from it in the image tower fails ...
        Assert.All(chained.Taps.Skip(wrong).Where(t => t.Tower == "image"), t => Assert.False(t.Passed, t.Name));
        Assert.Contains("RMS error", chained.Tap(WrongTap).Reason);
        // ... and the text tower, which has no bug, passes, as do the outputs that do not depend on the image.
        Assert.All(chained.Taps.Where(t => t.Tower == "text"), t => Assert.True(t.Passed, $"{t.Name}: {t.Reason}"));
        var outputs = chained.Outputs.ToDictionary(o => o.Name, o => o.Passed);
        Assert.True(outputs["text_features"]);
        Assert.False(outputs["image_features"]);
        Assert.False(outputs["logits_per_image"]);
        Assert.False(outputs["seed_logit"]);
    }

    [Fact]
    public void TheFixtureAgainstItselfPasses()
    {
        var candidate = WriteCandidate("self.safetensors", fixture => ReferenceEntries(fixture));
        var result = ClipVerify.Run("compare", ClipVerify.RnFixture, candidate, "--no-color");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("verdict: PASS (exit 0)", result.Stdout);
    }

    [Fact]
    public void MissingTapsFailWithAReason()
    {
        string[] dropped = ["visual.layer3.0.bn2", "ln_final"];
        var candidate = WriteCandidate("missing.safetensors",
            fixture => ReferenceEntries(fixture).Where(e => !dropped.Any(d => e.Name == $"tap.{d}")));
        var directory = _temp.File("report");
        var result = ClipVerify.Run("compare", ClipVerify.RnFixture, candidate, "--report", directory, "--no-color");

        Assert.Equal(1, result.ExitCode);
        var chained = ReportJson.Read(directory).Mode("chained");
        Assert.Equal(dropped[0], chained.FirstDivergence);
        Assert.Equal(dropped, chained.Taps.Where(t => !t.Passed).Select(t => t.Name));
        Assert.All(dropped, name => Assert.Equal("missing from the candidate", chained.Tap(name).Reason));
    }

    [Fact]
    public void AWrongShapeFailsWithAReason()
    {
        const string reshaped = "visual.layer2.0.conv3";
        var candidate = WriteCandidate("shape.safetensors", fixture => ReferenceEntries(fixture).Select(e =>
            e.Name == $"tap.{reshaped}"
                ? new TensorEntry(e.Name, e.DType, [e.Shape[0], e.Shape[1], e.Shape[2] * e.Shape[3]], e.Bytes)
                : e));
        var directory = _temp.File("report");
        var result = ClipVerify.Run("compare", ClipVerify.RnFixture, candidate, "--report", directory, "--no-color");

        Assert.Equal(1, result.ExitCode);
        var chained = ReportJson.Read(directory).Mode("chained");
        Assert.Equal(reshaped, chained.FirstDivergence);
        Assert.Single(chained.Taps, t => !t.Passed);
        Assert.Equal("candidate shape [2, 32, 64] differs from reference shape [2, 32, 8, 8]", chained.Tap(reshaped).Reason);
    }

    [Fact]
    public void APlainNameCandidateIsAccepted()
    {
        // Dumps may name taps without the tap./output. prefix (and in float32).
        var candidate = WriteCandidate("plain.safetensors", fixture => fixture.Taps
            .Select(t => ClipVerify.Entry(t.Name, DType.Float32, fixture.Shape($"fp32.tap.{t.Name}"), fixture.ReadFloats($"fp32.tap.{t.Name}")))
            .Concat(fixture.Outputs.Select(o => ClipVerify.Entry(o, DType.Float32, fixture.Shape($"fp32.output.{o}"), fixture.ReadFloats($"fp32.output.{o}")))),
            ClipVerify.VitFixture);
        var result = ClipVerify.Run("compare", ClipVerify.VitFixture, candidate, "--no-color");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
    }

    [Fact]
    public void ANonFloatCandidateIsBadInput()
    {
        var candidate = WriteCandidate("ints.safetensors", fixture => ReferenceEntries(fixture).Select(e =>
            e.Name == "tap.visual.conv1"
                ? ClipVerify.Entry(e.Name, DType.Int64, [.. e.Shape], new long[e.ElementCount])
                : e));
        var line = ClipVerify.Run("compare", ClipVerify.RnFixture, candidate).AssertBadInput();
        Assert.Contains("visual.conv1", line);
    }

    [Fact]
    public void ATorchCheckpointCandidateIsBadInput()
    {
        var line = ClipVerify.Run("compare", ClipVerify.RnFixture, ClipVerify.RnPt).AssertBadInput();
        Assert.Contains(".safetensors or .npz", line);
    }

    [Fact]
    public void AMissingCandidateIsBadInput() =>
        ClipVerify.Run("compare", ClipVerify.RnFixture, _temp.File("absent.npz")).AssertBadInput();

    /// <summary>Every tap and output of the fixture's float64 reference, under the names a dump uses.</summary>
    private static IEnumerable<TensorEntry> ReferenceEntries(Fixture fixture) =>
        fixture.Taps.Select(t => $"tap.{t.Name}").Concat(fixture.Outputs.Select(o => $"output.{o}"))
            .Select(name => ClipVerify.Entry(name, DType.Float64, fixture.Shape(name), fixture.ReadDoubles(name)));

    private string WriteCandidate(string name, Func<Fixture, IEnumerable<TensorEntry>> entries, string? fixturePath = null)
    {
        using var fixture = Fixture.Open(fixturePath ?? ClipVerify.RnFixture);
        return ClipVerify.WriteSafetensors(_temp.File(name), entries(fixture));
    }
}
