using System.Text.Json;
using ClipTools.Converter.Tests.Writers;
using ClipTools.Testing;

namespace ClipTools.Converter.Tests.Cli;

/// <summary>
/// The command-line convention (converter/Cli/CliConvention.cs): usage errors are one line with the help to read,
/// each subcommand's help is its own, --json / -q / -v everywhere, batch conversion, and messages that blame the
/// right path.
/// </summary>
public sealed class CliConventionTests : IDisposable
{
    private static readonly string TinyRn = RepositoryPaths.Fixture("tiny", "tiny_rn.pt");
    private static readonly string TinyVit = RepositoryPaths.Fixture("tiny", "tiny_vit.pt");
    private static readonly string NotClip = RepositoryPaths.Fixture("formats", "legacy.pt");
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData(new string[0], "clip-convert --help")]
    [InlineData(new[] { "only-one.pt" }, "clip-convert convert --help")]
    [InlineData(new[] { "a.pt", "b.dat", "--bogus" }, "clip-convert convert --help")]
    [InlineData(new[] { "a.pt", "b.dat", "--dtype", "float8" }, "clip-convert convert --help")]
    [InlineData(new[] { "inspect" }, "clip-convert inspect --help")]
    [InlineData(new[] { "inspect", "a.pt", "-q", "-v" }, "clip-convert inspect --help")]
    [InlineData(new[] { "a.pt", "b.dat", "--to", "dat" }, "clip-convert convert --help")]
    public void UsageErrorIsOneLineNamingTheHelpToRead(string[] args, string help)
    {
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.StderrLines);
        Assert.StartsWith("clip-convert: error: ", line);
        Assert.EndsWith($"(see '{help}')", line.TrimEnd('\r'));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void EachSubcommandsHelpShowsItsOwnUsageOnly()
    {
        var inspect = CliRunner.Run("inspect", "--help");
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains("clip-convert inspect <FILE> [options]", inspect.Stdout);
        Assert.DoesNotContain("<IN>", inspect.Stdout);
        Assert.DoesNotContain("--dtype", inspect.Stdout);
        var convert = CliRunner.Run("convert", "--help");
        Assert.Contains("clip-convert convert <FILES>... [options]", convert.Stdout);
        Assert.DoesNotContain("<FILE>  ", convert.Stdout);
        foreach (var help in new[] { inspect.Stdout, convert.Stdout })
        {
            Assert.Contains("--json", help);
            Assert.Contains("-q, --quiet", help);
            Assert.Contains("-v, --verbose", help);
        }
    }

    [Fact]
    public void InspectShowsLayoutAndModelAndTakesJson()
    {
        var text = CliRunner.Run("inspect", TinyVit);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("layout: official", text.Stdout);
        Assert.Contains("model: custom (ViT", text.Stdout);

        var json = CliRunner.Run("inspect", RepositoryPaths.Fixture("layouts", "vit_hf.safetensors"), "--json");
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal("huggingface", doc.RootElement.GetProperty("layout").GetString());
        // A Hugging Face file without its config.json does not say QuickGELU or GELU: the layout is known, the model is not.
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("model").ValueKind);
        Assert.Contains("--act", doc.RootElement.GetProperty("model_problem").GetString());
        Assert.True(doc.RootElement.GetProperty("tensors").GetArrayLength() > 10);

        var notClip = CliRunner.Run("inspect", NotClip, "--json");
        Assert.Equal(0, notClip.ExitCode);
        using var other = JsonDocument.Parse(notClip.Stdout);
        Assert.Equal(JsonValueKind.Null, other.RootElement.GetProperty("layout").ValueKind);
        Assert.Contains("not a CLIP checkpoint", other.RootElement.GetProperty("not_clip").GetString());
    }

    [Fact]
    public void QuietPrintsNothingAndVerbosePrintsTheSummary()
    {
        var quiet = CliRunner.Run(TinyRn, _scratch.File("q.dat"), "-q");
        Assert.Equal(0, quiet.ExitCode);
        Assert.Equal("", quiet.Stdout + quiet.Stderr);
        Assert.True(File.Exists(_scratch.File("q.dat")));
        var verbose = CliRunner.Run(TinyRn, _scratch.File("v.dat"), "--verbose");
        Assert.Contains("sha256:", verbose.Stdout);
    }

    [Fact]
    public void BatchConvertsEveryGoodFileAndReportsTheBadOneAtTheEnd()
    {
        var folder = Directory.CreateDirectory(_scratch.File("out")).FullName;
        var r = CliRunner.Run(TinyRn, NotClip, TinyVit, "-o", folder);

        Assert.Equal(2, r.ExitCode);
        // each .dat with its sidecar (family and activation)
        Assert.Equal(["tiny_rn.dat", "tiny_rn.dat.json", "tiny_vit.dat", "tiny_vit.dat.json"],
            Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order().ToArray());
        Assert.Equal(2, r.StderrLines.Length);
        Assert.Contains("legacy.pt: not a CLIP checkpoint", r.StderrLines[0]);
        Assert.Contains("converted 2 of 3; failed: ", r.StderrLines[1]);
        Assert.Contains("tiny_rn.dat: official layout", r.Stdout);
    }

    [Fact]
    public void BatchJsonListsConvertedAndFailed()
    {
        var folder = Directory.CreateDirectory(_scratch.File("out")).FullName;
        var r = CliRunner.Run(NotClip, TinyVit, "-o", folder, "--to", "safetensors", "--json");
        Assert.Equal(2, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var converted = Assert.Single(doc.RootElement.GetProperty("converted").EnumerateArray());
        Assert.EndsWith("tiny_vit.safetensors", converted.GetProperty("output").GetProperty("path").GetString());
        var failed = Assert.Single(doc.RootElement.GetProperty("failed").EnumerateArray());
        Assert.Equal(2, failed.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public void BatchRefusesTwoInputsThatWouldWriteOneOutput()
    {
        var folder = Directory.CreateDirectory(_scratch.File("out")).FullName;
        var copy = Directory.CreateDirectory(_scratch.File("copy")).FullName;
        File.Copy(TinyRn, Path.Combine(copy, "tiny_rn.pt"));
        var r = CliRunner.Run(TinyRn, Path.Combine(copy, "tiny_rn.pt"), "-o", folder);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("would both be written to", Assert.Single(r.StderrLines));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void AMissingOutputFolderIsBlamedNotTheInput()
    {
        var output = _scratch.File(Path.Combine("no-such-folder", "x.dat"));
        var line = Assert.Single(CliRunner.Run(TinyRn, output).StderrLines);
        Assert.Contains($"{output}: the output's folder", line);
        Assert.DoesNotContain("tiny_rn.pt", line);

        var batch = CliRunner.Run(TinyRn, "-o", _scratch.File("absent"));
        Assert.Equal(2, batch.ExitCode);
        Assert.Contains("the output folder does not exist", Assert.Single(batch.StderrLines));
    }

    [Fact]
    public void AFolderGivenAsAFileSaysSo()
    {
        var asInput = CliRunner.Run("inspect", _scratch.Path);
        Assert.Equal(2, asInput.ExitCode);
        Assert.Contains("is a folder, not a file", Assert.Single(asInput.StderrLines));

        var asOutput = CliRunner.Run(TinyRn, _scratch.Path);
        Assert.Equal(2, asOutput.ExitCode);
        Assert.Contains("the output is a folder", Assert.Single(asOutput.StderrLines));
    }

    [Fact]
    public void ATruncatedArchiveSaysTruncatedAndWhere()
    {
        var bytes = File.ReadAllBytes(TinyRn);
        var cut = _scratch.File("cut.pt");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var line = CliRunner.AssertOneLineError(cut).StderrLines[0];
        Assert.Contains("truncated", line);
        Assert.Contains($"{bytes.Length / 2} bytes", line);
    }
}
