using System.Diagnostics;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Fuzz;

/// <summary>
/// Mutation fuzzer, in process: seeds are the committed fixtures (formats, layouts, tiny, hostile); each case is a
/// seed with a few random mutations (bit flips, interesting integers, byte runs cut, copied or repeated), written to
/// a temporary file and run through <see cref="FormatDetector"/>, every tensor's bytes and the conversion pipeline.
/// A finding is any exception other than <see cref="CheckpointFormatException"/>, a case over 5 s, or more than
/// 20 x the input (+ 64 MiB) allocated; each is saved under fixtures/fuzz-findings/ to become a regression file.
/// Usage: clip-fuzz SECONDS [SEED]
/// </summary>
public static class Program
{
    private static readonly long[] Interesting = [0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff, long.MaxValue, long.MinValue, 1L << 62];

    public static int Main(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0]) : 30;
        var rng = new Random(args.Length > 1 ? int.Parse(args[1]) : Environment.TickCount);
        var root = FindRoot();
        var seeds = new[] { "formats", "layouts", "tiny", "hostile" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, "fixtures", d)))
            .Where(p => !p.EndsWith(".py") && !p.EndsWith(".md") && !p.EndsWith(".json") && new FileInfo(p).Length < (4 << 20))
            .Select(p => (Name: Path.GetFileName(p), Bytes: File.ReadAllBytes(p))).ToList();
        var findings = Path.Combine(root, "fixtures", "fuzz-findings");
        var work = Path.Combine(Path.GetTempPath(), $"clip-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var perFormat = new Dictionary<string, (long Cases, double Seconds)>();
        var found = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var seed = seeds[rng.Next(seeds.Count)];
                var bytes = Mutate(seed.Bytes, rng);
                var path = Path.Combine(work, "case" + Path.GetExtension(seed.Name));
                File.WriteAllBytes(path, bytes);
                var format = Path.GetExtension(seed.Name);
                var started = Stopwatch.StartNew();
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                string? problem = null;
                try
                {
                    RunCase(path);
                }
                catch (CheckpointFormatException)
                {
                }
                catch (Exception e)
                {
                    problem = $"{e.GetType().Name}: {e.Message}";
                }
                var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                if (problem is null && started.Elapsed > TimeSpan.FromSeconds(5))
                {
                    problem = $"hang: {started.Elapsed.TotalSeconds:F1} s";
                }
                if (problem is null && allocated > 20L * bytes.Length + (64L << 20))
                {
                    problem = $"allocation: {allocated} bytes for a {bytes.Length}-byte input";
                }
                var (c, s) = perFormat.GetValueOrDefault(format);
                perFormat[format] = (c + 1, s + started.Elapsed.TotalSeconds);
                if (problem is not null)
                {
                    found++;
                    Directory.CreateDirectory(findings);
                    var name = $"finding-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..12]}{format}";
                    File.WriteAllBytes(Path.Combine(findings, name), bytes);
                    Console.WriteLine($"FINDING {name} (from {seed.Name}): {problem.ReplaceLineEndings(" ")}");
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        long total = 0;
        foreach (var (format, (c, s)) in perFormat.OrderBy(p => p.Key))
        {
            Console.WriteLine($"{format,-13} {c,8} cases  {c / Math.Max(s, 1e-9),8:F0} cases/s");
            total += c;
        }
        Console.WriteLine($"total: {total} cases in {clock.Elapsed.TotalSeconds:F0} s, {found} findings");
        return found == 0 ? 0 : 1;
    }

    private static void RunCase(string path)
    {
        using var set = FormatDetector.Open(path);
        foreach (var t in set.Tensors.Where(t => t.ByteCount < (64 << 20)))
        {
            t.ReadBytes();
        }
        var result = ConversionPipeline.Run(set, new ConversionOptions(AllowExtra: true));
        foreach (var t in result.Tensors.Where(t => t.ByteCount < (64 << 20)))
        {
            t.ToTensorEntry().ReadBytes();
        }
    }

    private static byte[] Mutate(byte[] seed, Random rng)
    {
        var bytes = new List<byte>(seed);
        for (var n = rng.Next(1, 5); n > 0 && bytes.Count > 0; n--)
        {
            var at = rng.Next(bytes.Count);
            switch (rng.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)rng.Next(256);
                    break;
                case 2:
                    var value = Interesting[rng.Next(Interesting.Length)];
                    var width = new[] { 1, 2, 4, 8 }[rng.Next(4)];
                    for (var i = 0; i < width && at + i < bytes.Count; i++)
                    {
                        bytes[at + i] = (byte)(value >> (8 * i));
                    }
                    break;
                case 3:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, rng.Next(1, 64)));
                    break;
                case 4:
                    var from = rng.Next(bytes.Count);
                    var length = Math.Min(bytes.Count - from, rng.Next(1, 64));
                    bytes.InsertRange(at, bytes.GetRange(from, length));
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }
        return [.. bytes];
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "ClipTools.sln")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("run from inside the repository");
    }
}
