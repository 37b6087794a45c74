using System.Text.Json;

namespace ClipTools.Verifier.Tests.Cli;

/// <summary>clip-verify follows the shared convention: one-line usage errors, own help per subcommand, --json, -q, -v.</summary>
[Collection(CliCollection.Name)]
public sealed class CliConventionTests
{
    [Theory]
    [InlineData(new string[0], "clip-verify --help")]
    [InlineData(new[] { "compare", "only-one.safetensors" }, "clip-verify compare --help")]
    [InlineData(new[] { "model.dat" }, "clip-verify verify --help")]
    [InlineData(new[] { "a.dat", "b.safetensors", "--mode", "sideways" }, "clip-verify verify --help")]
    [InlineData(new[] { "run", "m.dat" }, "clip-verify run --help")]
    public void UsageErrorIsOneLineNamingTheHelpToRead(string[] args, string help)
    {
        var r = ClipVerify.Run(args);
        var line = r.AssertBadInput();
        Assert.StartsWith("clip-verify: error: ", line);
        Assert.EndsWith($"(see '{help}')", line);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void EachSubcommandsHelpShowsItsOwnUsageOnly()
    {
        var compare = ClipVerify.Run("compare", "--help");
        Assert.Equal(0, compare.ExitCode);
        Assert.Contains("clip-verify compare <FIXTURE> <CANDIDATE> [options]", compare.Stdout);
        Assert.DoesNotContain("<MODEL>", compare.Stdout);
        Assert.DoesNotMatch(@"--mode\b", compare.Stdout);   // verify's option; compare has --model
        foreach (var command in new[] { "verify", "compare", "run", "seed" })
        {
            var help = ClipVerify.Run(command, "--help").Stdout;
            Assert.Contains("--json", help);
            Assert.Contains("-q, --quiet", help);
            Assert.Contains("-v, --verbose", help);
        }
    }

    [Fact]
    public void DefaultIsASummaryAndVerboseTheFullTables()
    {
        var summary = ClipVerify.Run("compare", ClipVerify.VitFixture, ClipVerify.VitPortDump, "--no-color");
        Assert.Equal(1, summary.ExitCode);
        Assert.Contains("first divergence: visual.transformer.resblocks.1.mlp.gelu", summary.Stdout);
        Assert.Contains("worst taps", summary.Stdout);
        Assert.Contains("verdict: FAIL (exit 1)", summary.Stdout);
        Assert.DoesNotContain("SQNR dB", summary.Stdout);
        Assert.True(summary.Stdout.Split('\n').Length < 15, summary.Stdout);

        var verbose = ClipVerify.Run("compare", ClipVerify.VitFixture, ClipVerify.VitPortDump, "--no-color", "-v");
        Assert.Contains("SQNR dB", verbose.Stdout);
        Assert.Contains("visual.ln_pre", verbose.Stdout);
        Assert.Contains("verdict: FAIL (exit 1)", verbose.Stdout);
    }

    [Fact]
    public void JsonIsTheReportAndQuietIsNothing()
    {
        var json = ClipVerify.Run("compare", ClipVerify.VitFixture, ClipVerify.VitPortDump, "--json");
        Assert.Equal(1, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal("fail", doc.RootElement.GetProperty("verdict").GetString());

        var quiet = ClipVerify.Run("compare", ClipVerify.VitFixture, ClipVerify.VitPortDump, "-q");
        Assert.Equal(1, quiet.ExitCode);
        Assert.Equal("", quiet.Stdout + quiet.Stderr);
    }
}
