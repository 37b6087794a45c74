using System.Text.Json;
using ClipTools.Model.Weights;
using ClipTools.Verifier.Tests.Cli;

namespace ClipTools.Verifier.Tests.Diagnosis;

/// <summary><c>clip-verify MODEL FIXTURE</c> on a model with a porting mistake prints and writes the likely cause.</summary>
[Collection(CliCollection.Name)]
public sealed class DiagnosisCliTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void VerifyNamesATransposedWeightInTheSummaryAndTheJson()
    {
        const string weight = "transformer.resblocks.1.attn.out_proj.weight";
        var weights = _temp.File("transposed.dat");
        using (var clip = FaultyRuns.Load("tiny_rn", FaultyRuns.Transpose(weight)))
        {
            ClipWeights.Save(clip, weights);
        }
        var directory = _temp.File("report");

        var result = ClipVerify.Run(weights, ClipVerify.RnFixture, "--report", directory, "--no-color");

        Assert.True(result.ExitCode == 1, result.Stdout + result.Stderr);
        Assert.Contains($"likely cause: transposed-linear: {weight} transposed", result.Stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "report.json")));
        foreach (var mode in json.RootElement.GetProperty("modes").EnumerateArray())
        {
            var diagnosis = mode.GetProperty("diagnosis");
            Assert.Equal("transposed-linear", diagnosis.GetProperty("cause").GetString());
            Assert.Equal("transformer.resblocks.1.attn", diagnosis.GetProperty("tap").GetString());
        }
    }

    [Fact]
    public void APassingVerifyHasNoDiagnosis()
    {
        var directory = _temp.File("report");

        var result = ClipVerify.Run(ClipVerify.RnDat, ClipVerify.RnFixture, "--report", directory, "--no-color");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.DoesNotContain("likely cause", result.Stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "report.json")));
        Assert.All(json.RootElement.GetProperty("modes").EnumerateArray(),
            m => Assert.Equal(JsonValueKind.Null, m.GetProperty("diagnosis").ValueKind));
    }
}
