using ClipTools.Converter.Writers;
using ClipTools.Testing;

namespace ClipTools.Converter.Tests.Writers;

/// <summary>Temporaries of an output: recognisable, swept when their owner is dead, and a live one refuses a second writer.</summary>
public sealed class TemporaryOutputTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("clip-convert-temp-").FullName;

    private static readonly string TinyVit = RepositoryPaths.Fixture("tiny", "tiny_vit.pt");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void AStaleTemporaryOfAKilledRunIsRemovedByTheNextRun()
    {
        var output = Path.Combine(dir, "out.dat");
        var stale = Path.Combine(dir, ".out.dat.clip-tmp-99999-dead");
        File.WriteAllBytes(stale, new byte[100]);  // nobody holds its lock: its writer is gone
        Assert.Equal(0, CliRunner.Run(TinyVit, output, "-q").ExitCode);
        Assert.True(File.Exists(output));
        Assert.Empty(Directory.GetFiles(dir, "*.clip-tmp-*"));
    }

    [Fact]
    public void ALiveWriterOfTheSameOutputIsRefusedAndItsTemporaryKept()
    {
        var output = Path.Combine(dir, "out.dat");
        var live = Path.Combine(dir, ".out.dat.clip-tmp-1-live");
        // A shared lock on the temporary, as a running writer holds it.
        using (new FileStream(live, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            var r = CliRunner.Run(TinyVit, output);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("another run is writing this output", r.Stderr);
            Assert.Single(r.StderrLines);
            Assert.False(File.Exists(output));
            Assert.Equal([".out.dat.clip-tmp-1-live"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
    }

    [Fact]
    public void TheTemporaryIsNamedAfterTheOutputAndGoneAfterAFailure()
    {
        var output = Path.Combine(dir, "out.dat");
        string? seen = null;
        void FailWhileWriting()
        {
            using var temporary = TemporaryOutput.Create(output);
            seen = temporary.Path;
            Assert.StartsWith(".out.dat.clip-tmp-", Path.GetFileName(temporary.Path));
            Assert.True(File.Exists(temporary.Path));
            throw new OutputException("failed on purpose");
        }
        Assert.Throws<OutputException>(FailWhileWriting);
        Assert.NotNull(seen);
        Assert.Empty(Directory.GetFiles(dir));
    }
}
