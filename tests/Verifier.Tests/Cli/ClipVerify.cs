using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;
using ClipTools.Testing;

namespace ClipTools.Verifier.Tests.Cli;

/// <summary>The CLI tests share the console (the commands write to it), so they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class CliCollection
{
    public const string Name = "clip-verify CLI";
}

/// <summary>What one in-process run of <c>clip-verify</c> did.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Bad input: exit 2 and exactly one line on stderr, no stack trace; returns that line.</summary>
    public string AssertBadInput()
    {
        Assert.True(ExitCode == 2, $"exit {ExitCode}, expected 2; stderr: {Stderr}");
        var lines = Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{Stderr}");
        Assert.StartsWith("clip-verify: ", lines[0]);
        Assert.DoesNotContain("   at ", Stderr);
        Assert.DoesNotContain("internal error", Stderr);
        return lines[0].TrimEnd('\r');
    }
}

/// <summary>Runs <c>clip-verify</c> in-process and names the committed files the tests use.</summary>
internal static class ClipVerify
{
    public static string RnDat => RepositoryPaths.Fixture("tiny", "tiny_rn.dat");
    public static string RnPt => RepositoryPaths.Fixture("tiny", "tiny_rn.pt");
    public static string RnFixture => RepositoryPaths.Fixture("tiny", "tiny_rn.fixture.safetensors");
    public static string VitDat => RepositoryPaths.Fixture("tiny", "tiny_vit.dat");
    public static string VitFixture => RepositoryPaths.Fixture("tiny", "tiny_vit.fixture.safetensors");
    public static string VitPortDump => RepositoryPaths.Fixture("verifier", "tiny_vit_port_dump.npz");

    public static CliResult Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = Program.Run(args, stdout, stderr);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Writes tensors as a .safetensors file, as another port's dump or an input file would be.</summary>
    public static string WriteSafetensors(string path, IEnumerable<TensorEntry> tensors)
    {
        OutputFile.Write(path, new SafetensorsWriter(), tensors.ToList());
        return path;
    }

    public static TensorEntry Entry<T>(string name, DType dtype, long[] shape, T[] values) where T : unmanaged =>
        new(name, dtype, shape, new MemoryBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
}

/// <summary>A temporary folder, deleted with the test class.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"clip-verify-tests-{Guid.NewGuid():N}");

    public TemporaryDirectory() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
