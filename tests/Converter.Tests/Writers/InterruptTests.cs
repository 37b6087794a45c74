using System.Diagnostics;
using System.Runtime.InteropServices;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;
using ClipTools.Families;

namespace ClipTools.Converter.Tests.Writers;

/// <summary>
/// SIGINT and SIGTERM sent to a real clip-convert process while it writes its output: one line on stderr (after the
/// progress lines), and no file left in the output folder. The input is a ViT-B/32-shaped checkpoint of zeros (float16, 300 MB), made once for the
/// class: its conversion writes for a second or more even on a fast machine, and the signal is sent as soon as the
/// temporary appears, so the test does not depend on how loaded the machine is.
/// </summary>
[Collection(nameof(InterruptTests))]
public sealed class InterruptTests(InterruptTests.BigCheckpoint checkpoint) : IClassFixture<InterruptTests.BigCheckpoint>, IDisposable
{
    private readonly string output = Directory.CreateTempSubdirectory("clip-interrupt-out-").FullName;

    public void Dispose() => Directory.Delete(output, recursive: true);

    [Theory]
    [InlineData(2, "interrupted")]
    [InlineData(15, "terminated")]
    public async Task ASignalWhileWritingRemovesTheTemporaryWithOneLine(int signal, string word)
    {
        var target = Path.Combine(output, "model.dat");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "clip-convert.dll"), checkpoint.Path, target, "--act", "quick_gelu", "--dtype", "keep" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (!Directory.GetFiles(output).Any(f => Path.GetFileName(f).StartsWith(".model.dat.clip-tmp-", StringComparison.Ordinal)))
        {
            if (process.HasExited)
            {
                Assert.Fail($"clip-convert ended (exit {process.ExitCode}) before its temporary was seen: {await stderr}");
            }
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), "no temporary after 3 minutes");
            await Task.Delay(5);
        }
        Assert.Equal(0, Kill(process.Id, signal));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            await process.WaitForExitAsync(timeout.Token);
        }

        Assert.True(process.ExitCode != 0, $"the conversion finished before the signal arrived: {await stdout}");
        var errors = await stderr;
        // Off a terminal the progress is plain lines ("converted 40 % ..."); the signal adds one line, the last.
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.All(lines[..^1], l => Assert.StartsWith("converted ", l));
        Assert.StartsWith($"clip-convert: {word}", lines[^1]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>The ViT-B/32 state dict, every weight zero, in float16 safetensors.</summary>
    public sealed class BigCheckpoint : IDisposable
    {
        private readonly string dir = Directory.CreateTempSubdirectory("clip-interrupt-in-").FullName;

        public BigCheckpoint()
        {
            Path = System.IO.Path.Combine(dir, "vit_b_32.safetensors");
            var family = FamilyRegistry.Get("official");
            var entries = family.ExpectedState(family.Presets["ViT-B/32"])
                .Select(e => new TensorEntry(e.Name, e.Integer ? DType.Int64 : DType.Float16, e.Shape, new ZeroBytes()))
                .ToList();
            OutputFile.Write(Path, new SafetensorsWriter(), entries);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(dir, recursive: true);
    }

    private sealed class ZeroBytes : TensorBytes
    {
        public override void CopyTo(Span<byte> destination) => destination.Clear();

        public override bool HasRanges => true;

        public override void CopyRange(long start, Span<byte> destination) => destination.Clear();
    }
}
