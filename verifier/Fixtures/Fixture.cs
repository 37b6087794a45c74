using System.Runtime.InteropServices;
using System.Text.Json;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Families;
using ClipTools.Families;

namespace ClipTools.Verifier.Fixtures;

/// <summary>A tap as the manifest lists it.</summary>
public sealed record FixtureTap(string Name, string Tower, long[] Shape);

/// <summary>
/// A reference fixture (docs/fixture-format.md): inputs, float64 reference activations at every tap and the
/// outputs, plus PyTorch's own float32 run of the same. Holds the file open until disposed.
/// </summary>
public sealed class Fixture : IDisposable
{
    private readonly string _path;
    private readonly TensorSet _file;
    private readonly Dictionary<string, TensorEntry> _entries;

    private Fixture(string path, TensorSet file, Manifest manifest, IModelConfig config, RawInputs? raw)
    {
        Raw = raw;
        _path = path;
        _file = file;
        _entries = file.Tensors.ToDictionary(t => t.Name);
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
    /// straight from the file: float64 into the destination's own bytes, float32 through a pooled buffer.
    /// </summary>
    public void ReadDoubles(string tensor, Span<double> destination)
    {
        var entry = Entry(tensor);
        if (destination.Length != entry.ElementCount)
        {
            throw new ArgumentException($"'{tensor}' has {entry.ElementCount} elements, the destination {destination.Length}");
        }
        switch (entry.DType)
        {
            case DType.Float64:
                entry.Bytes.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case DType.Float32:
                var floats = System.Buffers.ArrayPool<float>.Shared.Rent(destination.Length);
                try
                {
                    var narrow = floats.AsSpan(0, destination.Length);
                    entry.Bytes.CopyTo(MemoryMarshal.AsBytes(narrow));
                    for (var i = 0; i < narrow.Length; i++)
                    {
                        destination[i] = narrow[i];
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<float>.Shared.Return(floats);
                }
                break;
            default:
                throw new FixtureFormatException(_path, $"'{tensor}' is {entry.DType.Name()}, not a float tensor");
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
        if (file.Format != CheckpointFormat.Safetensors)
        {
            throw new FixtureFormatException(path, $"is {file.Description}, not a safetensors fixture");
        }
        if (!file.Metadata.TryGetValue("manifest", out var text))
        {
            throw new FixtureFormatException(path, "no 'manifest' in the safetensors metadata: not a CLIP fixture");
        }
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
        var raw = manifest.RawInputs is { } rawManifest ? RawInputs.Read(path, file, rawManifest, config) : null;
        return new Fixture(path, file, manifest, config, raw);
    }

    private TensorEntry Entry(string tensor) =>
        _entries.TryGetValue(tensor, out var entry)
            ? entry
            : throw new FixtureFormatException(_path, $"no tensor '{tensor}'");

    private static T[] Cast<T>(TensorEntry entry) where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(entry.ReadBytes()).ToArray();

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
        ManifestRawInputs? RawInputs = null);

    private sealed record ManifestNoise(int Runs, Dictionary<string, double[]> RmsError, Dictionary<string, double[]>? IsolatedRmsError = null);

    private sealed record ManifestTap(string Name, string Tower, long[] Shape);
}
