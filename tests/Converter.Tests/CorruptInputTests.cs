using System.IO.Compression;
using System.Text;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Tests;

/// <summary>
/// Malformed and hostile inputs: each gives one line on stderr and exit 2 from the CLI (never a stack trace, an
/// unhandled exception or a hang), and a reader never throws anything but <see cref="CheckpointFormatException"/>.
/// </summary>
public sealed class CorruptInputTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("clip-convert-tests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void TruncationsAreOneLineErrors(string file)
    {
        var bytes = File.ReadAllBytes(Fixtures.PathOf(file));
        foreach (var length in new[] { 0, 1, 5, 9, 17, 64, bytes.Length / 3, bytes.Length / 2, bytes.Length - 100, bytes.Length - 9, bytes.Length - 1 }.Where(n => n >= 0 && n < bytes.Length).Distinct())
        {
            CliRunner.AssertOneLineError(Write($"cut{length}-{file}", bytes[..length]));
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void FlippedBytesNeverCrash(string file)
    {
        var original = File.ReadAllBytes(Fixtures.PathOf(file));
        var path = Path.Combine(dir, "flipped-" + file);
        var step = Math.Max(1, original.Length / 150);
        for (var i = 0; i < original.Length; i += step)
        {
            var bytes = (byte[])original.Clone();
            bytes[i] ^= 0xff;
            File.WriteAllBytes(path, bytes);
            var r = CliRunner.Run("inspect", path);
            Assert.True(r.ExitCode is 0 or 2, $"byte {i} of {file}: exit {r.ExitCode}: {r.Stderr}");
            if (r.ExitCode == 2)
            {
                Assert.Single(r.StderrLines);
                continue;
            }
            // The file still parses: reading every tensor must succeed or fail as a format error.
            try
            {
                using var set = FormatDetector.Open(path);
                foreach (var t in set.Tensors)
                {
                    t.ReadBytes();
                }
            }
            catch (CheckpointFormatException)
            {
            }
        }
    }

    // pickle protocol 2: os.system('echo pwned') called through REDUCE.
    private static readonly byte[] OsSystemPickle =
        Encoding.Latin1.GetBytes("\u0080\u0002cos\nsystem\nq\u0000X\u000b\u0000\u0000\u0000echo pwnedq\u0001\u0085q\u0002Rq\u0003.");

    [Fact]
    public void PickleCallingOsSystemIsRefusedByName()
    {
        var r = CliRunner.AssertOneLineError(Write("evil.pdparams", OsSystemPickle));
        Assert.Contains("refused global 'os.system'", r.Stderr);
        Assert.Contains("byte 2", r.Stderr);
    }

    [Theory]
    [InlineData("builtins", "eval")]
    [InlineData("subprocess", "Popen")]
    [InlineData("posix", "system")]
    public void StackGlobalsOffTheAllowListAreRefused(string module, string name)
    {
        // protocol 4: module and name pushed as strings, then STACK_GLOBAL, called with one string argument.
        var p = new List<byte> { 0x80, 4 };
        foreach (var s in new[] { module, name })
        {
            p.Add(0x8c);
            p.Add((byte)s.Length);
            p.AddRange(Encoding.ASCII.GetBytes(s));
            p.Add(0x94);
        }
        p.Add(0x93);
        p.AddRange([0x8c, 2, (byte)'i', (byte)'d', 0x85, (byte)'R', (byte)'.']);
        var r = CliRunner.AssertOneLineError(Write("evil4.pdparams", [.. p]));
        Assert.Contains(module == "builtins" ? "builtins.eval" : $"'{module}.{name}'", r.Stderr);
    }

    [Fact]
    public void MaliciousDataPklInATorchZipIsRefused()
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in new[] { ("evil/data.pkl", OsSystemPickle), ("evil/version", "3\n"u8.ToArray()) })
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(content);
            }
        }
        var r = CliRunner.AssertOneLineError(Write("evil.pt", ms.ToArray()));
        Assert.Contains("os.system", r.Stderr);
        Assert.Contains("evil/data.pkl", r.Stderr);
    }

    [Fact]
    public void DeepNestingIsRefused()
    {
        // {'a': [[[[...]]]]} 10,000 lists deep: under the pickle stack limit, over the container depth limit.
        var p = new List<byte> { 0x80, 2, (byte)'}', (byte)'X', 1, 0, 0, 0, (byte)'a' };
        p.AddRange(Enumerable.Repeat((byte)']', 10_000));
        p.AddRange(Enumerable.Repeat((byte)'a', 9_999));
        p.AddRange([(byte)'s', (byte)'.']);
        Assert.Contains("nested deeper", CliRunner.AssertOneLineError(Write("deep.pdparams", [.. p])).Stderr);

        // 200,000 lists: the pickle stack itself is too deep.
        var q = new List<byte> { 0x80, 2 };
        q.AddRange(Enumerable.Repeat((byte)']', 200_000));
        Assert.Contains("stack deeper", CliRunner.AssertOneLineError(Write("deeper.pdparams", [.. q])).Stderr);

        // 5,000 open marks.
        var m = new List<byte> { 0x80, 2 };
        m.AddRange(Enumerable.Repeat((byte)'(', 5_000));
        Assert.Contains("marks", CliRunner.AssertOneLineError(Write("marks.pdparams", [.. m])).Stderr);
    }

    [Fact]
    public void AListThatContainsItselfIsRefused()
    {
        // {'a': l} where l = [l]: EMPTY_LIST, BINPUT 0, BINGET 0, APPEND.
        byte[] p = [0x80, 2, (byte)'}', (byte)'X', 1, 0, 0, 0, (byte)'a', (byte)']', (byte)'q', 0, (byte)'h', 0, (byte)'a', (byte)'s', (byte)'.'];
        CliRunner.AssertOneLineError(Write("cycle.pdparams", p));
    }

    [Fact]
    public void OpcodesOutOfPlaceAreErrors()
    {
        CliRunner.AssertOneLineError(Write("pop.pdparams", [0x80, 2, (byte)'0', (byte)'.']));
        CliRunner.AssertOneLineError(Write("setitem.pdparams", [0x80, 2, (byte)']', (byte)'K', 1, (byte)'K', 2, (byte)'s', (byte)'.']));
        CliRunner.AssertOneLineError(Write("memo.pdparams", [0x80, 2, (byte)'h', 7, (byte)'.']));
        CliRunner.AssertOneLineError(Write("opcode.pdparams", [0x80, 2, 0xff, (byte)'.']));
        var r = CliRunner.AssertOneLineError(Write("len.pdparams", [0x80, 3, (byte)'B', 0xff, 0xff, 0xff, 0x7f, (byte)'.']));
        Assert.Contains("truncated", r.Stderr);
    }

    [Fact]
    public void SafetensorsHeaderLargerThanTheFileIsAnError()
    {
        var bytes = File.ReadAllBytes(Fixtures.PathOf("tiny.safetensors"));
        BitConverter.GetBytes((ulong)bytes.Length * 4).CopyTo(bytes, 0);
        Assert.Contains("header declares", CliRunner.AssertOneLineError(Write("big.safetensors", bytes)).Stderr);
    }

    [Fact]
    public void StorageShorterThanTheTensorNeedsIsAnError()
    {
        // Rewrite the fp32 storage of a state dict with half its bytes (stored, so the zip stays valid).
        var src = Fixtures.PathOf("state_dict_dtypes.pt");
        using var ms = new MemoryStream();
        using (var input = ZipFile.OpenRead(src))
        using (var output = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var e in input.Entries)
            {
                using var read = e.Open();
                var content = new MemoryStream();
                read.CopyTo(content);
                var bytes = content.ToArray();
                if (e.FullName == "state_dict_dtypes/data/0")
                {
                    bytes = bytes[..(bytes.Length / 2)];
                }
                using var w = output.CreateEntry(e.FullName, CompressionLevel.NoCompression).Open();
                w.Write(bytes);
            }
        }
        var r = CliRunner.AssertOneLineError(Write("short.pt", ms.ToArray()));
        Assert.Contains("shorter", r.Stderr);
        Assert.Contains("state_dict_dtypes/data/0", r.Stderr);
    }

    [Fact]
    public void UnknownFormatAndMissingFileAreOneLineErrors()
    {
        CliRunner.AssertOneLineError(Write("text.bin", "hello world, not a checkpoint"u8.ToArray()));
        CliRunner.AssertOneLineError(Path.Combine(dir, "does-not-exist.pt"));
    }
}
