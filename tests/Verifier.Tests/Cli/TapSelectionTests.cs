using ClipTools.Checkpoints.Formats;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests.Cli;

/// <summary><c>--taps GLOB...</c> / <c>--taps-file</c>: a port that exposes only some taps is judged on those.</summary>
[Collection(CliCollection.Name)]
public sealed class TapSelectionTests : IDisposable
{
    private const string BlockOutputs = "*.resblocks.?";

    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void APortWithOnlyBlockOutputsFailsByDefaultAndPassesOnTheTapsItNames()
    {
        var dump = BlockOutputDump();

        // Default: strict, every missing tap fails.
        var strict = ClipVerify.Run("compare", ClipVerify.VitFixture, dump, "--no-color");
        Assert.True(strict.ExitCode == 1, strict.Stdout + strict.Stderr);

        var directory = _temp.File("report");
        var chosen = ClipVerify.Run("compare", ClipVerify.VitFixture, dump, "--taps", BlockOutputs, "*_features", "logits_*", "seed_logit",
            "--report", directory, "--no-color");
        Assert.True(chosen.ExitCode == 0, chosen.Stdout + chosen.Stderr);
        var mode = Assert.Single(ReportJson.Read(directory).Modes);
        var selection = new TapSelection([BlockOutputs]);
        Assert.All(mode.Taps, t => Assert.Equal(selection.Includes(t.Name) ? "pass" : "not checked", t.Verdict));
        Assert.Contains(mode.Taps, t => t.Verdict == "pass");
        Assert.All(mode.Outputs, o => Assert.Equal("pass", o.Verdict));
    }

    [Fact]
    public void ATapsFileSelectsLikeTheOption()
    {
        var file = _temp.File("taps.txt");
        File.WriteAllLines(file, ["# block outputs and what the model returns", BlockOutputs, "", "*_features", "logits_*", "seed_logit"]);
        var result = ClipVerify.Run("compare", ClipVerify.VitFixture, BlockOutputDump(), "--taps-file", file, "--no-color");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
    }

    [Fact]
    public void AFaultInsideTheSelectionStillFails()
    {
        // The numpy dump's wrong GELU is in visual block 1: selecting that block's output still catches it.
        var result = ClipVerify.Run("compare", ClipVerify.VitFixture, ClipVerify.VitPortDump, "--taps", "visual.transformer.resblocks.1", "--no-color");
        Assert.True(result.ExitCode == 1, result.Stdout + result.Stderr);
        Assert.Contains("first divergence: visual.transformer.resblocks.1", result.Stdout);
    }

    [Fact]
    public void AGlobThatMatchesNothingIsAUsageError()
    {
        var result = ClipVerify.Run("compare", ClipVerify.VitFixture, ClipVerify.VitPortDump, "--taps", "visual.resblock.*");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'visual.resblock.*' matches no tap", result.Stderr);
    }

    /// <summary>A dump of the fixture's reference at the block outputs and the outputs only.</summary>
    private string BlockOutputDump()
    {
        using var fixture = Fixture.Open(ClipVerify.VitFixture);
        var selection = new TapSelection([BlockOutputs]);
        var names = fixture.Taps.Where(t => selection.Includes(t.Name)).Select(t => $"tap.{t.Name}")
            .Concat(fixture.Outputs.Select(o => $"output.{o}"));
        return ClipVerify.WriteSafetensors(_temp.File("blocks.safetensors"),
            names.Select(n => ClipVerify.Entry(n, DType.Float64, fixture.Shape(n), fixture.ReadDoubles(n))).ToList());
    }
}
