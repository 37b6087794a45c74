using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Cli;
using ClipTools.Families;
using ClipTools.Model;
using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Tests.Cli;

namespace ClipTools.Verifier.Tests.Families;

/// <summary>
/// Every registered family goes through every generic path: convert, verify (chained and isolated), compare, run
/// and inspect. The samples are found, not listed: each committed fixture with a checkpoint of the same name beside
/// it, grouped by the family its manifest names, so a new family needs no edit here.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class FamilyPathTests : IDisposable
{
    private readonly TemporaryDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    public static TheoryData<string, string, string> Samples()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (family, checkpoint, fixture) in FindSamples())
        {
            data.Add(family, checkpoint, fixture);
        }
        return data;
    }

    [Fact]
    public void RegistryListsEveryFamilyOnceWithItsModelAndASample()
    {
        var names = FamilyRegistry.All.Select(f => f.Name).ToList();
        Assert.Contains("official", names);
        Assert.Equal(names.Distinct().Count(), names.Count);
        Assert.Equal(names.Order(), FamilyModels.All.Keys.Order());
        var sampled = FindSamples().Select(s => s.Family).ToHashSet();
        Assert.All(names, n => Assert.Contains(n, sampled));
        // Layout names are unique too: a layout names its family.
        Assert.Equal(FamilyRegistry.Layouts.Count, FamilyRegistry.Layouts.Select(l => l.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryGenericPathWorks(string family, string checkpoint, string fixture)
    {
        // inspect
        var inspect = ConvertCli("inspect", checkpoint);
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);

        // convert, to both weight formats; the .dat carries its sidecar
        var dat = scratch.File("model.dat");
        var convert = ConvertCli(checkpoint, dat, "--json");
        Assert.True(convert.ExitCode == 0, convert.Stderr);
        Assert.Contains($"\"family\": \"{family}\"", File.ReadAllText(CheckpointMetadata.SidecarPath(dat)));
        var safetensors = scratch.File("model.safetensors");
        Assert.True(ConvertCli(checkpoint, safetensors).ExitCode == 0);

        // the library API loads each and knows the family
        foreach (var weights in new[] { checkpoint, dat, safetensors })
        {
            using var model = ClipModel.Load(weights);
            Assert.Equal(family, model.Config.Family);
            using var reference = Fixture.Open(fixture);
            Assert.Equal(reference.Config, model.Config);
        }

        // verify, chained and isolated: every tap of the fixture is run and judged, and the sample passes in both
        var report = scratch.File("report");
        var verify = ClipVerify.Run(dat, fixture, "--report", report);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "report.json")));
        Assert.Equal("pass", json.RootElement.GetProperty("verdict").GetString());
        var modes = json.RootElement.GetProperty("modes").EnumerateArray()
            .ToDictionary(m => m.GetProperty("mode").GetString()!, m => m.GetProperty("verdict").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["chained"] = "pass", ["isolated"] = "pass" }, modes);

        // compare: the fixture's own float64 activations as another port's dump match exactly
        var compare = ClipVerify.Run("compare", fixture, fixture);
        Assert.True(compare.ExitCode == 0, compare.Stdout + compare.Stderr);

        // run: features and logits for the fixture's inputs
        var outputs = scratch.File("outputs.safetensors");
        var run = ClipVerify.Run("run", dat, "--inputs", fixture, "--out", outputs);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.True(File.Exists(outputs));
    }

    private static IEnumerable<(string Family, string Checkpoint, string Fixture)> FindSamples()
    {
        foreach (var fixture in Directory.EnumerateFiles(RepositoryPaths.Fixture(), "*.fixture.safetensors", SearchOption.AllDirectories).Order())
        {
            var checkpoint = fixture[..^".fixture.safetensors".Length] + ".pt";
            if (File.Exists(checkpoint) && FamilyOf(fixture) is { } family && FamilyRegistry.All.Any(f => f.Name == family))
            {
                yield return (family, checkpoint, fixture);
            }
        }
    }

    private static string? FamilyOf(string fixture)
    {
        using var file = CheckpointFile.Read(fixture);
        using var manifest = System.Text.Json.JsonDocument.Parse(file.Metadata["manifest"]);
        return manifest.RootElement.TryGetProperty("family", out var family) ? family.GetString() : "official";
    }

    private static (int ExitCode, string Stdout, string Stderr) ConvertCli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = global::ClipTools.Converter.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
