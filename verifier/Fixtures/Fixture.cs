using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Families;
using ClipTools.Families;

namespace ClipTools.Verifier.Fixtures;

/// <summary>A tap as the manifest lists it.</summary>
public sealed record FixtureTap(string Name, string Tower, long[] Shape);

/// <summary>
/// A reference fixture (docs/fixture-format.md): inputs, float64 reference activations at every tap and the
/// outputs, plus PyTorch's own float32 run of the same. A safetensors file, or a numpy <c>.npz</c> (deflated) with the
/// manifest in its <c>__manifest__</c> entry; the reference may be stored rounded to float32 (<see cref="ReferenceRoundingUlps"/>).
/// Holds the file open until disposed.
/// </summary>
public sealed class Fixture : IDisposable
{
    private readonly string _path;
    private readonly TensorSet _file;
    private readonly Dictionary<string, TensorEntry> _entries;

    private Fixture(string path, TensorSet file, Manifest manifest, IModelConfig config, RawInputs? raw, bool roundedReference)
    {
        Raw = raw;
        _path = path;
        _file = file;
        _entries = file.Tensors.Where(t => t.Name != ManifestEntry).ToDictionary(t => t.Name);
        ReferenceRoundingUlps = roundedReference ? 0.5 : 0;
        Config = config;
        Taps = manifest.Taps.Select(t => new FixtureTap(t.Name, t.Tower, t.Shape)).ToList();
        Outputs = manifest.Outputs;
        Version = manifest.Version;
        _noise = manifest.Noise?.RmsError ?? [];
        _isolatedNoise = manifest.Noise?.IsolatedRmsError ?? [];
        HasIsolatedBaseline = _entries.Keys.Any(k => k.StartsWith(IsolatedPrefix, StringComparison.Ordinal));
        NoiseRunCount = manifest.Noise?.Runs ?? 0;
    }

    /// <summary>The fixture format versions this reader understands (docs/fixture-format.md).</summary>
    public const int LatestVersion = 2;

    /// <summary>The <c>.npz</c> entry holding the manifest (UTF-8 JSON as a uint8 vector).</summary>
    public const string ManifestEntry = "__manifest__";

    /// <summary>Largest manifest read, as the safetensors reader's header limit (docs/security.md).</summary>
    public const int MaxManifestBytes = 100_000_000;

    /// <summary>
    /// How far, in float32 ulps of each element, the stored reference may be from the float64 reference: 0 when it is
    /// stored in float64, 0.5 when rounded to float32 (a float32-only fixture, docs/fixture-format.md#storage). The
    /// noise rule adds it to its floor: |rounded - reference| &lt;= 2^-24 |reference| per element, so the RMS of the
    /// rounding is at most 0.5 x 2^-23 x the reference RMS, and by the triangle inequality a candidate's RMS error
    /// against the stored reference exceeds its error against the float64 one by no more.
    /// </summary>
    public double ReferenceRoundingUlps { get; }

    private readonly Dictionary<string, double[]> _noise;
    private readonly Dictionary<string, double[]> _isolatedNoise;

    /// <summary>Prefix of PyTorch's float32 results of stages fed the float64 reference input.</summary>
    public const string IsolatedPrefix = "fp32iso.";

    public string Path => _path;

    /// <summary>The raw texts and image files the fixture's inputs were made from, or null (docs/fixture-format.md#raw-inputs).</summary>
    public RawInputs? Raw { get; }

    /// <summary>The model the fixture was made with: the manifest's <c>family</c> (official when absent) reads its <c>model</c>.</summary>
    public IModelConfig Config { get; }
    public IReadOnlyList<FixtureTap> Taps { get; }
    public IReadOnlyList<string> Outputs { get; }
    public int Version { get; }

    /// <summary>How many perturbed float32 runs the fixture records (0 for version 1).</summary>
    public int NoiseRunCount { get; }

    /// <summary>
    /// The RMS errors of the perturbed float32 runs at <paramref name="tensor"/> (<c>tap.NAME</c> or
    /// <c>output.NAME</c>), or null where the fixture has none.
    /// </summary>
    public IReadOnlyList<double>? NoiseRuns(string tensor) => _noise.GetValueOrDefault(tensor);

    /// <summary>
    /// Whether the fixture holds the isolated baseline: PyTorch's float32 output of each stage fed the float64
    /// reference input (<c>fp32iso.tap.NAME</c>, <c>fp32iso.output.NAME</c>) for every tap and output that differs
    /// from the chained run (taps of stages fed the model input are the chained run's).
    /// </summary>
    public bool HasIsolatedBaseline { get; }

    /// <summary>
    /// PyTorch's float32 result at <paramref name="tensor"/> and its perturbed runs' RMS errors, as the given mode
    /// should be judged against: isolated, the isolated baseline where the fixture has one for that tensor.
    /// </summary>
    public (string Float32Tensor, IReadOnlyList<double>? NoiseRuns) Baseline(string tensor, bool isolated) =>
        isolated && Has(IsolatedPrefix + tensor)
            ? (IsolatedPrefix + tensor, _isolatedNoise.GetValueOrDefault(tensor))
            : ($"fp32.{tensor}", NoiseRuns(tensor));

    /// <summary>What this fixture lacks that the verifier would use, one line each (empty for a current fixture).</summary>
    public IReadOnlyList<string> Lacks =>
    [
        .. NoiseRunCount == 0
            ? [$"version {Version} fixture: no perturbed float32 runs, so float32 noise is one sample per tap and small outputs are judged loosely (regenerate with dump_reference.py)"]
            : Array.Empty<string>(),
        .. HasIsolatedBaseline
            ? Array.Empty<string>()
            : ["no isolated baseline (fp32iso.*): isolated mode is judged against PyTorch's chained float32 error, which is larger (regenerate with dump_reference.py)"],
        .. ReferenceRoundingUlps > 0
            ? [$"float64 reference: stored rounded to float32, so the noise rule's floor gains {ReferenceRoundingUlps:G} ulp and tolerances meet a reference off by up to 2^-24 relative (regenerate without --reference-dtype float32)"]
            : Array.Empty<string>(),
    ];

    public static Fixture Open(string path)
    {
        var file = TensorFile.Open(path);
        try
        {
            var fixture = Validate(path, file);
            file = null;
            return fixture;
        }
        finally
        {
            file?.Dispose();
        }
    }

    public void Dispose() => _file.Dispose();

    public bool Has(string tensor) => _entries.ContainsKey(tensor);

    /// <summary>
    /// The float32 and float64 tensors whose bytes lie in the fixture file as they are (one plain range: not deflated,
    /// not reordered), with where they lie, so a reader can see them in place.
    /// </summary>
    public IEnumerable<(string Name, long Offset, long ByteCount, DType DType)> PlainFloatRanges() =>
        _entries.Values
            .Where(e => e.DType is DType.Float32 or DType.Float64 && e.Bytes is FileRangeBytes)
            .Select(e => (e.Name, ((FileRangeBytes)e.Bytes).Offset, e.ByteCount, e.DType));

    public long[] Shape(string tensor) => [.. Entry(tensor).Shape];

    /// <summary>Any float tensor widened to float64, row-major.</summary>
    public double[] ReadDoubles(string tensor)
    {
        var values = GC.AllocateUninitializedArray<double>(checked((int)Entry(tensor).ElementCount));
        ReadDoubles(tensor, values);
        return values;
    }

    /// <summary>
    /// Any float tensor widened to float64 into <paramref name="destination"/> (exactly its element count), read
    /// straight from the file: float64 into the destination's own bytes; float32 in cache-sized chunks widened into
    /// it, or, where the container produces whole tensors only (a deflated <c>.npz</c> entry), into the destination's
    /// upper half and widened in place. No buffer the size of the tensor is allocated.
    /// </summary>
    public void ReadDoubles(string tensor, Span<double> destination)
    {
        var entry = Entry(tensor);
        if (destination.Length != entry.ElementCount)
        {
            throw new ArgumentException($"'{tensor}' has {entry.ElementCount} elements, the destination {destination.Length}");
        }
        try
        {
            switch (entry.DType)
            {
                case DType.Float64:
                    entry.Bytes.CopyTo(MemoryMarshal.AsBytes(destination));
                    break;
                case DType.Float32 when entry.Bytes.HasRanges:
                    ReadInChunks<float, double>(entry.Bytes, destination, Float32ChunkElements, FloatWidening.Widen);
                    break;
                case DType.Float32:
                    var upperHalf = MemoryMarshal.Cast<double, float>(destination)[destination.Length..];
                    entry.Bytes.CopyTo(MemoryMarshal.AsBytes(upperHalf));
                    FloatWidening.Widen(upperHalf, destination);
                    break;
                default:
                    throw new FixtureFormatException(_path, $"'{tensor}' is {entry.DType.Name()}, not a float tensor");
            }
        }
        catch (CheckpointFormatException e)
        {
            throw FixtureFormatException.From(_path, e);
        }
    }

    // 16 K floats (64 KiB): the chunk read stays in cache while it is widened.
    private const int Float32ChunkElements = 16 * 1024;

    // 4 K doubles (32 KiB): the chunk read stays in the first-level cache while it is rounded.
    private const int Float64ChunkElements = 4 * 1024;

    private delegate void ChunkConversion<TFrom, TTo>(ReadOnlySpan<TFrom> from, Span<TTo> to);

    /// <summary>A tensor read <paramref name="chunkElements"/> values at a time, each chunk converted into
    /// <paramref name="destination"/> while it is in cache.</summary>
    private static void ReadInChunks<TFrom, TTo>(TensorBytes bytes, Span<TTo> destination, int chunkElements,
        ChunkConversion<TFrom, TTo> convert) where TFrom : unmanaged where TTo : unmanaged
    {
        var chunk = ArrayPool<TFrom>.Shared.Rent(Math.Min(chunkElements, destination.Length));
        try
        {
            for (var at = 0; at < destination.Length; at += chunkElements)
            {
                var n = Math.Min(chunkElements, destination.Length - at);
                var part = chunk.AsSpan(0, n);
                bytes.CopyRange((long)at * Unsafe.SizeOf<TFrom>(), MemoryMarshal.AsBytes(part));
                convert(part, destination.Slice(at, n));
            }
        }
        finally
        {
            ArrayPool<TFrom>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// Any float tensor rounded to float32 (to nearest, as a cast rounds) into <paramref name="destination"/> (exactly
    /// its element count): float32 as stored; float64 read in cache-sized chunks and rounded, so no float64 copy of the
    /// tensor is made. The same values as <see cref="ReadDoubles(string, Span{double})"/> then a cast.
    /// </summary>
    public void ReadRoundedToFloat32(string tensor, Span<float> destination)
    {
        var entry = Entry(tensor);
        if (destination.Length != entry.ElementCount)
        {
            throw new ArgumentException($"'{tensor}' has {entry.ElementCount} elements, the destination {destination.Length}");
        }
        if (entry.DType == DType.Float64 && !entry.Bytes.HasRanges)
        {
            // A deflated entry comes whole: read whole, then rounded.
            var all = ArrayPool<double>.Shared.Rent(destination.Length);
            try
            {
                ReadDoubles(tensor, all.AsSpan(0, destination.Length));
                Round(all.AsSpan(0, destination.Length), destination);
            }
            finally
            {
                ArrayPool<double>.Shared.Return(all);
            }
            return;
        }
        try
        {
            switch (entry.DType)
            {
                case DType.Float64:
                    ReadInChunks<double, float>(entry.Bytes, destination, Float64ChunkElements, Round);
                    break;
                case DType.Float32:
                    entry.Bytes.CopyTo(MemoryMarshal.AsBytes(destination));
                    break;
                default:
                    throw new FixtureFormatException(_path, $"'{tensor}' is {entry.DType.Name()}, not a float tensor");
            }
        }
        catch (CheckpointFormatException e)
        {
            throw FixtureFormatException.From(_path, e);
        }
    }

    private static void Round(ReadOnlySpan<double> from, Span<float> to)
    {
        for (var i = 0; i < from.Length; i++)
        {
            to[i] = (float)from[i];
        }
    }

    /// <summary>How many elements <paramref name="tensor"/> has.</summary>
    public long ElementCount(string tensor) => Entry(tensor).ElementCount;

    public float[] ReadFloats(string tensor) =>
        Entry(tensor).DType == DType.Float32
            ? Cast<float>(Entry(tensor))
            : throw new FixtureFormatException(_path, $"'{tensor}' is {Entry(tensor).DType.Name()}, not float32");

    public long[] ReadInt64s(string tensor) =>
        Entry(tensor).DType == DType.Int64
            ? Cast<long>(Entry(tensor))
            : throw new FixtureFormatException(_path, $"'{tensor}' is {Entry(tensor).DType.Name()}, not int64");

    private static Fixture Validate(string path, TensorSet file)
    {
        var text = file.Format switch
        {
            CheckpointFormat.Safetensors => file.Metadata.GetValueOrDefault("manifest")
                ?? throw new FixtureFormatException(path, "no 'manifest' in the safetensors metadata: not a CLIP fixture"),
            CheckpointFormat.Npz => NpzManifest(path, file),
            _ => throw new FixtureFormatException(path, $"is {file.Description}, not a safetensors or .npz fixture"),
        };
        Manifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(text, JsonOptions)
                ?? throw new FixtureFormatException(path, "empty manifest");
        }
        catch (JsonException e)
        {
            throw new FixtureFormatException(path, $"manifest: {e.Message.Split(". ")[0]}");
        }
        if (manifest.Format != "clip-fixture" || manifest.Version is < 1 or > LatestVersion)
        {
            throw new FixtureFormatException(path, $"manifest format '{manifest.Format}' version {manifest.Version} is not clip-fixture 1 to {LatestVersion}");
        }
        if (manifest.Noise is { } noise)
        {
            foreach (var (name, runs) in noise.RmsError.Concat(noise.IsolatedRmsError ?? []))
            {
                if (runs.Length != noise.Runs || runs.Any(r => !double.IsFinite(r) || r < 0))
                {
                    throw new FixtureFormatException(path, $"noise.rms_error['{name}'] is not {noise.Runs} finite non-negative numbers");
                }
            }
        }
        var shapes = file.Tensors.ToDictionary(t => t.Name, t => t.Shape);
        foreach (var tap in manifest.Taps)
        {
            foreach (var name in new[] { $"tap.{tap.Name}", $"fp32.tap.{tap.Name}" })
            {
                if (!shapes.TryGetValue(name, out var shape) || !shape.SequenceEqual(tap.Shape))
                {
                    throw new FixtureFormatException(path, $"tap '{tap.Name}': tensor '{name}' is missing or not shaped [{string.Join(", ", tap.Shape)}]");
                }
            }
        }
        IModelConfig config;
        try
        {
            config = FamilyRegistry.Get(manifest.Family ?? "official").ReadConfig(manifest.Model);
        }
        catch (Exception e) when (e is CheckpointFormatException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FixtureFormatException(path, $"manifest 'model': {e.Message}");
        }
        var rounded = RoundedReference(path, file, manifest);
        RawInputs? raw;
        try
        {
            raw = manifest.RawInputs is { } rawManifest ? RawInputs.Read(path, file, rawManifest, config) : null;
        }
        catch (CheckpointFormatException e)
        {
            throw FixtureFormatException.From(path, e);
        }
        return new Fixture(path, file, manifest, config, raw, rounded);
    }

    /// <summary>The manifest of a <c>.npz</c> fixture: its <c>__manifest__</c> entry, UTF-8 JSON as a uint8 vector.</summary>
    private static string NpzManifest(string path, TensorSet file)
    {
        var entry = file.Tensors.FirstOrDefault(t => t.Name == ManifestEntry)
            ?? throw new FixtureFormatException(path, $"no '{ManifestEntry}' entry in the .npz: not a CLIP fixture");
        if (entry.DType != DType.UInt8 || entry.Shape.Count != 1)
        {
            throw new FixtureFormatException(path, $"'{ManifestEntry}' is {entry.DType.Name()} {entry.ShapeText}, not a uint8 vector of UTF-8 JSON");
        }
        if (entry.ByteCount > MaxManifestBytes)
        {
            throw new FixtureFormatException(path, $"'{ManifestEntry}' declares {entry.ByteCount} bytes, more than the {MaxManifestBytes} a manifest may have", FormatErrorKind.LimitExceeded);
        }
        try
        {
            return StrictUtf8.GetString(entry.ReadBytes());
        }
        catch (CheckpointFormatException e)
        {
            throw FixtureFormatException.From(path, e);
        }
        catch (DecoderFallbackException)
        {
            throw new FixtureFormatException(path, $"'{ManifestEntry}' is not well-formed UTF-8");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Whether the reference (<c>tap.*</c>, <c>output.*</c>) is stored rounded to float32. Each reference tensor is
    /// float64 or float32, all alike, and the manifest's <c>storage</c>, where present, must say the same (and name the
    /// container the file is): a fixture never claims more precision than it holds.
    /// </summary>
    private static bool RoundedReference(string path, TensorSet file, Manifest manifest)
    {
        var dtypes = file.Tensors.ToDictionary(t => t.Name, t => t.DType);
        var reference = manifest.Taps.Select(t => $"tap.{t.Name}").Concat(manifest.Outputs.Select(o => $"output.{o}")).Where(dtypes.ContainsKey).ToList();
        if (reference.FirstOrDefault(n => dtypes[n] is not (DType.Float64 or DType.Float32)) is { } odd)
        {
            throw new FixtureFormatException(path, $"'{odd}' is {dtypes[odd].Name()}: a reference tensor is float64 or float32");
        }
        var rounded = reference.FirstOrDefault(n => dtypes[n] == DType.Float32);
        var full = reference.FirstOrDefault(n => dtypes[n] == DType.Float64);
        if (rounded is not null && full is not null)
        {
            throw new FixtureFormatException(path, $"reference tensors of two dtypes: '{full}' is float64, '{rounded}' float32");
        }
        if (manifest.Storage is { } storage)
        {
            var claimed = storage.ReferenceDtype switch
            {
                "float64" => false,
                "float32" => true,
                _ => throw new FixtureFormatException(path, $"manifest storage.reference_dtype '{storage.ReferenceDtype}' is not float64 or float32"),
            };
            if (claimed != (rounded is not null) && reference.Count > 0)
            {
                throw new FixtureFormatException(path, $"manifest storage.reference_dtype is {storage.ReferenceDtype} but '{rounded ?? full}' is {dtypes[(rounded ?? full)!].Name()}");
            }
            var container = file.Format == CheckpointFormat.Npz ? "npz" : "safetensors";
            if (storage.Container is { } named && named != container)
            {
                throw new FixtureFormatException(path, $"manifest storage.container is '{named}' but the file is {container}");
            }
        }
        return rounded is not null;
    }

    private TensorEntry Entry(string tensor) =>
        _entries.TryGetValue(tensor, out var entry)
            ? entry
            : throw new FixtureFormatException(_path, $"no tensor '{tensor}'");

    private T[] Cast<T>(TensorEntry entry) where T : unmanaged
    {
        try
        {
            return MemoryMarshal.Cast<byte, T>(entry.ReadBytes()).ToArray();
        }
        catch (CheckpointFormatException e)
        {
            throw FixtureFormatException.From(_path, e);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private sealed record Manifest(
        string Format,
        int Version,
        string? Family,
        JsonElement Model,
        List<ManifestTap> Taps,
        List<string> Outputs,
        ManifestNoise? Noise = null,
        ManifestRawInputs? RawInputs = null,
        ManifestStorage? Storage = null);

    /// <summary>The manifest's <c>storage</c> (absent: a float64 reference in safetensors).</summary>
    private sealed record ManifestStorage(string? ReferenceDtype, string? Container = null, string? Compression = null);

    private sealed record ManifestNoise(int Runs, Dictionary<string, double[]> RmsError, Dictionary<string, double[]>? IsolatedRmsError = null);

    private sealed record ManifestTap(string Name, string Tower, long[] Shape);
}
