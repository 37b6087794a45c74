using System.Text.Json;
using ClipTools.Verifier.Tests.Cli;
using ClipTools.Verifier.Tests.FaultInjection;

namespace ClipTools.Verifier.Tests.Diagnosis;

/// <summary>
/// <c>clip-verify compare FIXTURE CANDIDATE --model CHECKPOINT</c>: with the fixture's model the what-if detectors
/// run and name a structural mistake in another port's dump; without it the report says they need <c>--model</c>.
/// The verdict is the same either way: the diagnosis only annotates.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class CompareModelCliTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void WithTheModelTheNumpyDumpsWrongGeluIsNamed()
    {
        var withModel = Compare(ClipVerify.VitFixture, ClipVerify.VitPortDump, "--model", ClipVerify.VitDat);
        var without = Compare(ClipVerify.VitFixture, ClipVerify.VitPortDump);

        Assert.Equal(1, withModel.Result.ExitCode);
        Assert.Contains("likely cause: gelu-variant: RMS error", withModel.Result.Stdout);
        Assert.Equal("gelu-variant", withModel.Cause);
        Assert.Equal("visual.transformer.resblocks.1.mlp.gelu", withModel.Tap);
        Assert.Contains("erf GELU", withModel.Evidence);

        Assert.Equal(1, without.Result.ExitCode);
        Assert.Equal("unknown", without.Cause);
        Assert.Contains("--model", without.Evidence);
        Assert.Equal(without.Verdicts, withModel.Verdicts);
    }

    [Theory]
    [InlineData("tiny_rn.batchnorm-eps.candidate.safetensors", "batchnorm-eps")]
    [InlineData("tiny_vit.eot-last.candidate.safetensors", "eot-pooling")]
    [InlineData("tiny_rn.no-causal-mask.candidate.safetensors", "causal-mask")]
    public void AnyCheckpointTheToolsReadServesAsTheModel(string file, string cause)
    {
        var fault = FaultCandidate.All.Single(c => c.File == file);
        var model = fault.Fixture.Contains("tiny_rn", StringComparison.Ordinal) ? ClipVerify.RnPt : ClipVerify.VitDat;

        var compared = Compare(ClipTools.Testing.RepositoryPaths.Fixture(fault.Fixture), fault.Path, ["--model", model, "--taps", .. fault.Taps]);

        Assert.Equal(1, compared.Result.ExitCode);
        Assert.Equal(cause, compared.Cause);
        Assert.Equal(fault.RightTap, compared.Tap);
    }

    [Fact]
    public void AModelOfAnotherConfigIsRefused()
    {
        var result = ClipVerify.Run("compare", ClipVerify.VitFixture, ClipVerify.VitPortDump, "--model", ClipVerify.RnDat, "--no-color");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("different model", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void ActWithoutAModelIsRefused()
    {
        var result = ClipVerify.Run("compare", ClipVerify.VitFixture, ClipVerify.VitPortDump, "--act", "gelu", "--no-color");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--model", result.Stderr);
    }

    private sealed record Compared(CliResult Result, string? Cause, string? Tap, string? Evidence, Dictionary<string, string?> Verdicts);

    private Compared Compare(string fixture, string candidate, params string[] options)
    {
        var directory = _temp.File($"report-{Guid.NewGuid():N}");
        var result = ClipVerify.Run(["compare", fixture, candidate, "--report", directory, "--no-color", .. options]);
        Assert.True(result.ExitCode is 0 or 1, result.Stdout + result.Stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "report.json")));
        var mode = json.RootElement.GetProperty("modes").EnumerateArray().Single();
        var verdicts = mode.GetProperty("taps").EnumerateArray().Concat(mode.GetProperty("outputs").EnumerateArray())
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("verdict").GetString());
        var diagnosis = mode.GetProperty("diagnosis");
        return diagnosis.ValueKind == JsonValueKind.Null
            ? new Compared(result, null, null, null, verdicts)
            : new Compared(result, diagnosis.GetProperty("cause").GetString(), diagnosis.GetProperty("tap").GetString(),
                diagnosis.GetProperty("evidence").GetString(), verdicts);
    }
}
