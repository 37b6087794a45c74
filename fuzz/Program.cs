using System.Diagnostics;
using System.Security.Cryptography;

namespace ClipTools.Fuzz;

/// <summary>
/// Mutation fuzzer, in process: seeds are the committed fixtures (formats, layouts, tiny, hostile, and every finding
/// so far); each case is a seed with a few random mutations (bit flips, interesting integers, byte runs cut, copied or
/// repeated), written to a temporary file and judged by <see cref="FuzzCase"/>. A case that never ends or allocates
/// without end is caught by a watchdog while it runs. Every finding is saved under fixtures/fuzz-findings/, where
/// FuzzFindingTests replays it. Usage: clip-fuzz SECONDS [SEED [MAX_CASES]]; exit 1 when anything was found.
/// </summary>
public static class Program
{
    private static readonly long[] Interesting = [0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff, long.MaxValue, long.MinValue, 1L << 62];

    public static int Main(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0]) : 30;
        var seed = args.Length > 1 ? int.Parse(args[1]) : Environment.TickCount;
        var maxCases = args.Length > 2 ? long.Parse(args[2]) : long.MaxValue;
        var rng = new Random(seed);
        var root = FindRoot();
        var findings = Path.Combine(root, "fixtures", "fuzz-findings");
        var seeds = new[] { "formats", "layouts", "tiny", "hostile", "fuzz-findings" }
            .Select(d => Path.Combine(root, "fixtures", d))
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFiles)
            // The verifier's activation fixtures (*.fixture.safetensors, megabytes) go through the same reader as the
            // small safetensors seeds; copying and writing them would take most of the time of their cases.
            .Where(p => !p.EndsWith(".py") && !p.EndsWith(".md") && !p.EndsWith(".json") && !p.Contains(".fixture.")
                && new FileInfo(p).Length < (3 << 19))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (Name: Path.GetFileName(p), Bytes: File.ReadAllBytes(p))).ToList();
        var work = Directory.CreateTempSubdirectory("clip-fuzz-").FullName;
        var watchdog = new Watchdog(findings);
        var perFormat = new SortedDictionary<string, (long Cases, double Seconds)>(StringComparer.Ordinal);
        var found = 0;
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"clip-fuzz: {seeds.Count} seeds, seed {seed}, {seconds} s");
        try
        {
            for (long n = 0; n < maxCases && clock.Elapsed.TotalSeconds < seconds; n++)
            {
                var from = seeds[rng.Next(seeds.Count)];
                var format = FormatOf(from.Name);
                var bytes = Mutate(from.Bytes, rng);
                var path = Path.Combine(work, "case" + format);
                File.WriteAllBytes(path, bytes);
                watchdog.Start(bytes, format, from.Name);
                var outcome = FuzzCase.Run(path);
                watchdog.Stop();
                var (c, s) = perFormat.GetValueOrDefault(format);
                perFormat[format] = (c + 1, s + outcome.Elapsed.TotalSeconds);
                if (outcome.Problem is not null)
                {
                    found++;
                    Save(findings, bytes, format, from.Name, outcome.Problem);
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        long total = 0;
        foreach (var (format, (c, s)) in perFormat)
        {
            Console.WriteLine($"{format,-13} {c,9} cases  {c / Math.Max(s, 1e-9),8:F0} cases/s");
            total += c;
        }
        Console.WriteLine($"total: {total} cases in {clock.Elapsed.TotalSeconds:F0} s ({total / clock.Elapsed.TotalSeconds:F0} cases/s), {found} findings");
        return found == 0 ? 0 : 1;
    }

    /// <summary>The fixtures' names say their format; the .pt ones hold zip, TorchScript and legacy files alike.</summary>
    private static string FormatOf(string name) => Path.GetExtension(name) is { Length: > 0 } e ? e : ".bin";

    internal static void Save(string findings, byte[] bytes, string format, string from, string problem)
    {
        Directory.CreateDirectory(findings);
        var name = $"finding-{Convert.ToHexStringLower(SHA256.HashData(bytes))[..12]}{format}";
        File.WriteAllBytes(Path.Combine(findings, name), bytes);
        Console.WriteLine($"FINDING {name} (from {from}): {problem}");
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
