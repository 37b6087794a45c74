using ClipTools.Verifier.Reports;

namespace ClipTools.Verifier.Tests.Cli;

/// <summary><c>clip-verify MODEL FIXTURE</c> end to end, in-process: verdicts, exit codes, report files, bad input.</summary>
[Collection(CliCollection.Name)]
public sealed class VerifyCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TinyRnPassesAndEveryReportFileIsWritten()
    {
        var directory = _temp.File("report");
        var result = ClipVerify.Run(ClipVerify.RnDat, ClipVerify.RnFixture, "--report", directory, "--no-color");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal("", result.Stderr);
        string[] files = [ReportWriter.Markdown, ReportWriter.Json, ReportWriter.Csv, ReportWriter.Html, ReportWriter.Svg, ReportWriter.Png];
        Assert.All(files, name => Assert.True(new FileInfo(Path.Combine(directory, name)) is { Exists: true, Length: > 0 }, name));
        Assert.Contains($"report: {Path.Combine(Path.GetFullPath(directory), ReportWriter.Html)}", result.Stdout);
        Assert.Contains("verdict: PASS (exit 0)", result.Stdout);
        Assert.DoesNotContain("\u001b[", result.Stdout);

        var report = ReportJson.Read(directory);
        using var fixture = Fixtures.Fixture.Open(ClipVerify.RnFixture);
        Assert.Equal("pass", report.Verdict);
        Assert.Equal(["chained", "isolated"], report.Modes.Select(m => m.Mode));
        Assert.All(report.Modes, m =>
        {
            Assert.Null(m.FirstDivergence);
            Assert.Equal(fixture.Taps.Select(t => t.Name), m.Taps.Select(t => t.Name));
            // The seed pair is end to end only: isolated runs have no reference taps to feed it.
            Assert.Equal(fixture.Outputs.Where(o => m.Mode == "chained" || o != "seed_logit"), m.Outputs.Select(t => t.Name));
        });
    }

    [Theory]
    [InlineData("chained")]
    [InlineData("isolated")]
    public void ModeOptionRunsOneMode(string mode)
    {
        var directory = _temp.File(mode);
        var result = ClipVerify.Run(ClipVerify.VitDat, ClipVerify.VitFixture, "--mode", mode, "--report", directory, "--no-color");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal([mode], ReportJson.Read(directory).Modes.Select(m => m.Mode));
    }

    [Fact]
    public void CheckpointGoesThroughTheConverterAndGivesTheSameVerdict()
    {
        var fromDat = _temp.File("dat");
        var fromPt = _temp.File("pt");
        Assert.Equal(0, ClipVerify.Run(ClipVerify.RnDat, ClipVerify.RnFixture, "--report", fromDat, "--no-color").ExitCode);
        var result = ClipVerify.Run(ClipVerify.RnPt, ClipVerify.RnFixture, "--report", fromPt, "--no-color");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var (dat, pt) = (ReportJson.Read(fromDat), ReportJson.Read(fromPt));
        Assert.Equal(dat.Verdict, pt.Verdict);
        foreach (var (a, b) in dat.Modes.Zip(pt.Modes))
        {
            // The converter writes the checkpoint's float32 weights unchanged: the same numbers to the last bit.
            Assert.Equal(a.Taps.Concat(a.Outputs), b.Taps.Concat(b.Outputs));
        }
    }

    [Fact]
    public void ModelAndFixtureOfDifferentModelsIsBadInput()
    {
        var line = ClipVerify.Run(ClipVerify.VitDat, ClipVerify.RnFixture).AssertBadInput();
        Assert.Contains("different model", line);
    }

    [Fact]
    public void MissingFilesAreBadInput()
    {
        var missing = _temp.File("nothing-here.dat");
        Assert.Contains("nothing-here.dat", ClipVerify.Run(missing, ClipVerify.RnFixture).AssertBadInput());
        Assert.Contains("nothing-here.dat", ClipVerify.Run(ClipVerify.RnDat, missing).AssertBadInput());
    }

    [Fact]
    public void TruncatedFixtureIsBadInput()
    {
        var bytes = File.ReadAllBytes(ClipVerify.RnFixture);
        foreach (var length in new[] { 4, 200, bytes.Length / 2, bytes.Length - 1 })
        {
            var path = _temp.File($"truncated-{length}.safetensors");
            File.WriteAllBytes(path, bytes[..length]);
            ClipVerify.Run(ClipVerify.RnDat, path).AssertBadInput();
        }
    }

    [Fact]
    public void SafetensorsWithoutAManifestIsNotAFixture()
    {
        var line = ClipVerify.Run(ClipVerify.RnDat, Testing.RepositoryPaths.Fixture("formats", "tiny.safetensors")).AssertBadInput();
        Assert.Contains("manifest", line);
    }

    [Fact]
    public void CorruptDatIsBadInput()
    {
        var bytes = File.ReadAllBytes(ClipVerify.RnDat);
        var truncated = _temp.File("truncated.dat");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        ClipVerify.Run(truncated, ClipVerify.RnFixture).AssertBadInput();

        var garbage = _temp.File("garbage.dat");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 4096).Select(i => (byte)(i * 131 % 251)).ToArray());
        ClipVerify.Run(garbage, ClipVerify.RnFixture).AssertBadInput();

        var empty = _temp.File("empty.dat");
        File.WriteAllBytes(empty, []);
        ClipVerify.Run(empty, ClipVerify.RnFixture).AssertBadInput();
    }

    [Theory]
    [InlineData("")]
    [InlineData("only-one-argument.dat")]
    [InlineData("a.dat b.safetensors --mode sideways")]
    [InlineData("a.dat b.safetensors --no-such-option")]
    [InlineData("a.dat b.safetensors c")]
    [InlineData("a.dat b.safetensors --report")]
    [InlineData("compare only-the-fixture.safetensors")]
    [InlineData("run model.dat --inputs in.npz")]
    [InlineData("seed only-a-model.dat")]
    public void UsageErrorsAreBadInput(string commandLine) =>
        ClipVerify.Run(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)).AssertBadInput();

    [Theory]
    [InlineData("abc")]
    [InlineData("1e-5")]
    [InlineData("-1,0")]
    [InlineData("1e-5,1e-3,7")]
    public void MalformedToleranceIsBadInput(string tolerance) =>
        ClipVerify.Run(ClipVerify.RnDat, ClipVerify.RnFixture, "--tolerance", tolerance).AssertBadInput();

    [Fact]
    public void ToleranceForWithoutToleranceIsBadInput()
    {
        var line = ClipVerify.Run(ClipVerify.RnDat, ClipVerify.RnFixture, "--tolerance-for", "visual.*=1e-4,1e-3").AssertBadInput();
        Assert.Contains("--tolerance", line);
    }

    [Fact]
    public void ImpossibleToleranceFailsAndLooseTolerancePasses()
    {
        var strict = _temp.File("strict");
        var tight = ClipVerify.Run(ClipVerify.RnDat, ClipVerify.RnFixture, "--tolerance", "1e-12,0", "--mode", "chained", "--report", strict, "--no-color");
        Assert.True(tight.ExitCode == 1, tight.Stdout + tight.Stderr);
        Assert.Contains("verdict: FAIL (exit 1)", tight.Stdout);
        // float32 is not within 1e-12 of float64 anywhere past the first convolution.
        var chained = ReportJson.Read(strict).Mode("chained");
        Assert.Equal("visual.conv1", chained.FirstDivergence);

        var loose = ClipVerify.Run(ClipVerify.RnDat, ClipVerify.RnFixture, "--tolerance", "1e-3,1e-3", "--no-color");
        Assert.True(loose.ExitCode == 0, loose.Stdout + loose.Stderr);
    }

    [Fact]
    public void ToleranceForOverridesTheDefaultForMatchingTaps()
    {
        // Strict everywhere except where the glob loosens it: only the text tower's taps (and outputs) fail.
        var directory = _temp.File("override");
        var result = ClipVerify.Run(ClipVerify.RnDat, ClipVerify.RnFixture, "--mode", "isolated", "--tolerance", "1e-12,0",
            "--tolerance-for", "visual.*=1e-3,1e-3", "--report", directory, "--no-color");
        Assert.Equal(1, result.ExitCode);
        var isolated = ReportJson.Read(directory).Mode("isolated");
        Assert.All(isolated.Taps.Where(t => t.Tower == "image"), t => Assert.True(t.Passed, t.Name));
        Assert.Equal("text", isolated.Taps.First(t => !t.Passed).Tower);
    }
}
