using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipTools.Checkpoints.Formats;
using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Tests.Cli;
using ClipTools.Verifier.Tests.FaultInjection;

namespace ClipTools.Verifier.Tests.FixtureStorage;

/// <summary>
/// Float32-only and compressed fixtures (docs/fixture-format.md#storage; fixtures/compact, the committed tiny fixtures
/// stored again by dump_reference.py's writer): they hold what the float64 safetensors fixture holds (rounded once to
/// float32 where asked), the committed models still PASS, every fault candidate still FAILs at its tap, and the
/// verifier's bound says what the rounding costs.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class CompactFixtureTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Compact(string name) => RepositoryPaths.Fixture("compact", name);

    /// <summary>Each compact fixture, the committed fixture it was stored from, and whether its reference is rounded.</summary>
    public static TheoryData<string, string, bool> CompactFixtures => new()
    {
        { "tiny_rn.f32.fixture.safetensors", "tiny_rn", true },
        { "tiny_rn.fixture.npz", "tiny_rn", false },
        { "tiny_vit.f32.fixture.npz", "tiny_vit", true },
    };

    [Theory]
    [InlineData("tiny/tiny_rn.fixture.safetensors")]
    [InlineData("compact/tiny_rn.f32.fixture.safetensors")]
    [InlineData("compact/tiny_rn.fixture.npz")]
    [InlineData("compact/tiny_vit.f32.fixture.npz")]
    public void ReadsAnyStorageRoundedToFloat32AsACastOfItsFloat64Values(string file)
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture(file.Split('/')[0], file.Split('/')[1]));
        var names = fixture.Taps.Select(t => $"tap.{t.Name}").ToList();
        // Some are longer than the chunk it reads float64 in (4 K values).
        Assert.Contains(names, n => fixture.ElementCount(n) > 4 * 1024);
        foreach (var name in names)
        {
            var rounded = new float[fixture.ElementCount(name)];
            fixture.ReadRoundedToFloat32(name, rounded);
            Assert.Equal(fixture.ReadDoubles(name).Select(v => (float)v), rounded);
        }
        Assert.Throws<ArgumentException>(() => fixture.ReadRoundedToFloat32(names[0], new float[1]));
    }

    [Theory]
    [MemberData(nameof(CompactFixtures))]
    public void HoldsTheCommittedFixturesValuesRoundedOnceWhereAsked(string file, string model, bool rounded)
    {
        using var compact = Fixture.Open(Compact(file));
        using var full = Fixture.Open(RepositoryPaths.Fixture("tiny", $"{model}.fixture.safetensors"));

        Assert.Equal(rounded ? 0.5 : 0, compact.ReferenceRoundingUlps);
        Assert.Equal(full.Taps.Select(t => t.Name), compact.Taps.Select(t => t.Name));
        Assert.Equal(full.NoiseRunCount, compact.NoiseRunCount);
        Assert.True(compact.HasIsolatedBaseline);
        var names = full.Taps.Select(t => $"tap.{t.Name}").Concat(full.Outputs.Select(o => $"output.{o}")).ToList();
        foreach (var name in names)
        {
            var want = full.ReadDoubles(name);
            var got = compact.ReadDoubles(name);
            // float64, or float64 rounded to nearest float32, widened back exactly
            Assert.Equal(rounded ? want.Select(v => (double)(float)v) : want, got);
            Assert.Equal(full.ReadDoubles($"fp32.{name}"), compact.ReadDoubles($"fp32.{name}"));
        }
        Assert.Equal(full.ReadFloats("input.image"), compact.ReadFloats("input.image"));
        Assert.Equal(full.ReadInt64s("input.text"), compact.ReadInt64s("input.text"));
    }

    [Theory]
    [MemberData(nameof(CompactFixtures))]
    public void TheCommittedModelPassesWithTheRoundingInTheFloor(string file, string model, bool rounded)
    {
        var result = ClipVerify.Run(RepositoryPaths.Fixture("tiny", $"{model}.dat"), Compact(file), "--json");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        using var report = JsonDocument.Parse(result.Stdout);
        var root = report.RootElement;
        Assert.Equal("pass", root.GetProperty("verdict").GetString());
        Assert.Equal(2, root.GetProperty("modes").GetArrayLength());
        Assert.Equal(rounded ? 4.5 : 4, root.GetProperty("rule").GetProperty("floor_ulps").GetDouble());
        var lacks = root.GetProperty("fixture_lacks").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Equal(rounded, lacks.Any(l => l.Contains("rounded to float32", StringComparison.Ordinal)));
    }

    public static TheoryData<string, string> FaultCandidatesOnCompactFixtures()
    {
        var data = new TheoryData<string, string>();
        foreach (var candidate in FaultCandidate.All)
        {
            var model = candidate.Fixture.Contains("tiny_rn", StringComparison.Ordinal) ? "tiny_rn" : "tiny_vit";
            foreach (var row in CompactFixtures)
            {
                var (file, fixtureModel) = ((string)row[0], (string)row[1]);
                if (fixtureModel == model)
                {
                    data.Add(candidate.File, file);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FaultCandidatesOnCompactFixtures))]
    public void AFaultCandidateStillFailsFirstAtItsTap(string candidateFile, string fixtureFile)
    {
        var candidate = FaultCandidate.All.Single(c => c.File == candidateFile);

        var result = ClipVerify.Run(["compare", Compact(fixtureFile), candidate.Path, "--json", "--taps", .. candidate.Taps]);

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Stderr}");
        using var report = JsonDocument.Parse(result.Stdout);
        var mode = report.RootElement.GetProperty("modes").EnumerateArray().Single();
        Assert.Equal(candidate.RightTap, mode.GetProperty("first_divergence").GetString());
        var verdicts = mode.GetProperty("taps").EnumerateArray().Concat(mode.GetProperty("outputs").EnumerateArray())
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("verdict").GetString());
        Assert.All(candidate.Taps.TakeWhile(t => t != candidate.RightTap), t => Assert.Equal("pass", verdicts[t]));
    }

    [Theory]
    [InlineData("overlapping.npz", FormatErrorKind.OverlappingEntries)]
    [InlineData("npz_declares_2g.npz", FormatErrorKind.BadCompression)]
    [InlineData("npz_shape_overflow.npz", FormatErrorKind.Overflow)]
    [InlineData("bad_deflate.npz", FormatErrorKind.BadCompression)]
    public void HostileNpzIsRefusedWithItsKind(string file, FormatErrorKind kind)
    {
        var path = RepositoryPaths.Fixture("hostile", file);

        var e = Assert.Throws<FixtureFormatException>(() => Fixture.Open(path));
        Assert.Equal(kind, e.Kind);
        ClipVerify.Run(ClipVerify.RnDat, path).AssertBadInput();
    }

    [Fact]
    public void ACompressedBombIsRefusedBeforeItIsInflated()
    {
        // 96 MiB of zeros deflate to ~100 KB: the tensors would be ~1000x the file, past the read budget (2x + 64 MiB).
        var entries = ReadEntries(Compact("tiny_vit.f32.fixture.npz"));
        entries["tap.visual.conv1"] = Npy("<f8", [12 << 20], new byte[96 << 20]);
        var path = WriteNpz("bomb.fixture.npz", entries);

        var e = Assert.Throws<FixtureFormatException>(() => Fixture.Open(path));
        Assert.Equal(FormatErrorKind.BudgetExceeded, e.Kind);
        ClipVerify.Run(ClipVerify.VitDat, path).AssertBadInput();
    }

    [Fact]
    public void ATensorThatDoesNotInflateIsATypedErrorWhenRead()
    {
        // A tensor larger than the 64 KiB a .npy header is looked for in is inflated only when read: its deflate stream
        // is cut in its second half, so the fixture opens and the read fails, as a fixture error of the zip's kind.
        var entries = ReadEntries(Compact("tiny_rn.fixture.npz"));
        var noise = new double[64 * 1024];
        var random = new Random(7);
        for (var i = 0; i < noise.Length; i++)
        {
            noise[i] = random.NextDouble();
        }
        entries["extra.noise"] = Npy("<f8", [noise.Length], System.Runtime.InteropServices.MemoryMarshal.AsBytes(noise.AsSpan()).ToArray());
        var path = WriteNpz("cut.fixture.npz", entries, damage: "extra.noise");

        using var fixture = Fixture.Open(path);
        var e = Assert.Throws<FixtureFormatException>(() => fixture.ReadDoubles("extra.noise"));
        Assert.Equal(FormatErrorKind.BadCompression, e.Kind);
        Assert.StartsWith("cut.fixture.npz: ", e.Message);
        // A damaged tap is met by clip-verify when it judges the tap: exit 2, one line.
        var cutTap = WriteNpz("cut-tap.fixture.npz", ReadEntries(Compact("tiny_rn.fixture.npz")), damage: "tap.ln_final");
        var line = ClipVerify.Run(ClipVerify.RnDat, cutTap).AssertBadInput();
        Assert.Contains("cut-tap.fixture.npz", line);
    }

    [Theory]
    [InlineData("missing", "no '__manifest__' entry")]
    [InlineData("float32", "not a uint8 vector")]
    [InlineData("latin1", "not well-formed UTF-8")]
    [InlineData("claims-float64", "storage.reference_dtype is float64 but 'tap.")]
    [InlineData("claims-safetensors", "storage.container is 'safetensors' but the file is npz")]
    [InlineData("mixed", "reference tensors of two dtypes")]
    [InlineData("float16", "a reference tensor is float64 or float32")]
    public void AnInconsistentCompressedFixtureIsRefused(string damage, string expected)
    {
        var entries = ReadEntries(Compact("tiny_vit.f32.fixture.npz"));
        var manifest = JsonNode.Parse(Encoding.UTF8.GetString(NpyData(entries[Fixture.ManifestEntry])))!.AsObject();
        switch (damage)
        {
            case "missing":
                entries.Remove(Fixture.ManifestEntry);
                break;
            case "float32":
                entries[Fixture.ManifestEntry] = Npy("<f4", [4], new byte[16]);
                break;
            case "latin1":
                entries[Fixture.ManifestEntry] = Npy("|u1", [2], [0xE9, 0x7B]);
                break;
            case "claims-float64":
                manifest["storage"]!["reference_dtype"] = "float64";
                break;
            case "claims-safetensors":
                manifest["storage"]!["container"] = "safetensors";
                break;
            case "mixed":
                var floats = NpyData(entries["tap.visual.conv1"]);
                var widened = new double[floats.Length / 4];
                for (var i = 0; i < widened.Length; i++)
                {
                    widened[i] = BitConverter.ToSingle(floats, 4 * i);
                }
                entries["tap.visual.conv1"] = Npy("<f8", Shape(entries["tap.visual.conv1"]), System.Runtime.InteropServices.MemoryMarshal.AsBytes(widened.AsSpan()).ToArray());
                break;
            case "float16":
                entries["output.seed_logit"] = Npy("<f2", [1, 1], new byte[2]);
                break;
        }
        if (damage.StartsWith("claims", StringComparison.Ordinal))
        {
            entries[Fixture.ManifestEntry] = Npy("|u1", [Encoding.UTF8.GetByteCount(manifest.ToJsonString())], Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        }
        var path = WriteNpz($"{damage}.fixture.npz", entries);

        var e = Assert.Throws<FixtureFormatException>(() => Fixture.Open(path));
        Assert.Contains(expected, e.Message);
        ClipVerify.Run(ClipVerify.VitDat, path).AssertBadInput();
    }

    // .npz helpers: entries as whole .npy files, written deflated as np.savez_compressed does.

    private static Dictionary<string, byte[]> ReadEntries(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var entries = new Dictionary<string, byte[]>();
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            entries[entry.FullName[..^".npy".Length]] = copy.ToArray();
        }
        return entries;
    }

    private string WriteNpz(string name, Dictionary<string, byte[]> entries, string? damage = null)
    {
        var path = _temp.File(name);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var (entryName, npy) in entries)
            {
                using var stream = zip.CreateEntry(entryName + ".npy", CompressionLevel.Fastest).Open();
                stream.Write(npy);
            }
        }
        if (damage is not null)
        {
            CutDeflateStream(path, damage + ".npy");
        }
        return path;
    }

    /// <summary>Overwrites the second half of one entry's compressed bytes with 0xFF (no valid deflate continues so).</summary>
    private static void CutDeflateStream(string path, string entryName)
    {
        var bytes = File.ReadAllBytes(path);
        var nameBytes = Encoding.ASCII.GetBytes(entryName);
        for (var at = 0; at + 30 < bytes.Length; at++)
        {
            if (bytes[at] == 0x50 && bytes[at + 1] == 0x4B && bytes[at + 2] == 3 && bytes[at + 3] == 4
                && bytes.AsSpan(at + 30, nameBytes.Length).SequenceEqual(nameBytes))
            {
                var compressed = BitConverter.ToInt32(bytes, at + 18);
                var start = at + 30 + BitConverter.ToUInt16(bytes, at + 26) + BitConverter.ToUInt16(bytes, at + 28);
                bytes.AsSpan(start + (compressed / 2), compressed - (compressed / 2)).Fill(0xFF);
                File.WriteAllBytes(path, bytes);
                return;
            }
        }
        throw new InvalidOperationException($"no local header for {entryName}");
    }

    private static byte[] Npy(string descr, long[] shape, byte[] data)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        header = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        var head = new byte[10 + header.Length];
        head[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(head, 1);
        head[6] = 1;
        BitConverter.GetBytes((ushort)header.Length).CopyTo(head, 8);
        Encoding.ASCII.GetBytes(header).CopyTo(head, 10);
        return [.. head, .. data];
    }

    private static int DataOffset(byte[] npy) => 10 + BitConverter.ToUInt16(npy, 8);

    private static byte[] NpyData(byte[] npy) => npy[DataOffset(npy)..];

    private static long[] Shape(byte[] npy)
    {
        var header = Encoding.ASCII.GetString(npy, 10, DataOffset(npy) - 10);
        var dims = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..header.IndexOf(')', StringComparison.Ordinal)];
        return dims.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
    }
}
