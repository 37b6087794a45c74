using System.Text.Json;
using System.Text.Json.Serialization;
using ClipTools.Model;

namespace ClipTools.Verifier.Fixtures;

/// <summary>A tap as the manifest lists it.</summary>
public sealed record FixtureTap(string Name, string Tower, long[] Shape);

/// <summary>
/// A reference fixture (docs/fixture-format.md): inputs, float64 reference activations at every tap and the
/// outputs, plus PyTorch's own float32 run of the same.
/// </summary>
public sealed class Fixture
{
    private readonly SafetensorsFile _file;

    private Fixture(SafetensorsFile file, Manifest manifest)
    {
        _file = file;
        Config = manifest.Model.ToConfig();
        Taps = manifest.Taps.Select(t => new FixtureTap(t.Name, t.Tower, t.Shape)).ToList();
        Outputs = manifest.Outputs;
    }

    public ClipConfig Config { get; }
    public IReadOnlyList<FixtureTap> Taps { get; }
    public IReadOnlyList<string> Outputs { get; }

    public static Fixture Open(string path)
    {
        var file = SafetensorsFile.Open(path);
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
        if (manifest.Format != "clip-fixture" || manifest.Version != 1)
        {
            throw new FixtureFormatException(path, $"manifest format '{manifest.Format}' version {manifest.Version} is not clip-fixture 1");
        }
        foreach (var tap in manifest.Taps)
        {
            foreach (var name in new[] { $"tap.{tap.Name}", $"fp32.tap.{tap.Name}" })
            {
                if (!file.Entries.TryGetValue(name, out var entry) || !entry.Shape.SequenceEqual(tap.Shape))
                {
                    throw new FixtureFormatException(path, $"tap '{tap.Name}': tensor '{name}' is missing or not shaped [{string.Join(", ", tap.Shape)}]");
                }
            }
        }
        return new Fixture(file, manifest);
    }

    public bool Has(string tensor) => _file.Entries.ContainsKey(tensor);

    public long[] Shape(string tensor) => Entry(tensor).Shape;

    /// <summary>Any float tensor widened to float64, row-major.</summary>
    public double[] ReadDoubles(string tensor)
    {
        var entry = Entry(tensor);
        var bytes = _file.ReadBytes(tensor);
        return entry.DType switch
        {
            "F64" => ToArray<double>(bytes),
            "F32" => Array.ConvertAll(ToArray<float>(bytes), v => (double)v),
            _ => throw new FixtureFormatException(_file.FilePath, $"'{tensor}' is {entry.DType}, not a float tensor"),
        };
    }

    public float[] ReadFloats(string tensor) =>
        Entry(tensor).DType == "F32"
            ? ToArray<float>(_file.ReadBytes(tensor))
            : throw new FixtureFormatException(_file.FilePath, $"'{tensor}' is {Entry(tensor).DType}, not F32");

    public long[] ReadInt64s(string tensor) =>
        Entry(tensor).DType == "I64"
            ? ToArray<long>(_file.ReadBytes(tensor))
            : throw new FixtureFormatException(_file.FilePath, $"'{tensor}' is {Entry(tensor).DType}, not I64");

    private SafetensorsEntry Entry(string tensor) =>
        _file.Entries.TryGetValue(tensor, out var entry)
            ? entry
            : throw new FixtureFormatException(_file.FilePath, $"no tensor '{tensor}'");

    private static T[] ToArray<T>(byte[] bytes) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray();

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private sealed record Manifest(
        string Format,
        int Version,
        ManifestModel Model,
        List<ManifestTap> Taps,
        List<string> Outputs);

    private sealed record ManifestTap(string Name, string Tower, long[] Shape);

    private sealed record ManifestModel(
        int EmbedDim,
        int ImageResolution,
        JsonElement VisionLayers,
        int VisionWidth,
        int? VisionPatchSize,
        int ContextLength,
        int VocabSize,
        int TransformerWidth,
        int TransformerHeads,
        int TransformerLayers)
    {
        public ClipConfig ToConfig() => new(EmbedDim, ImageResolution,
            VisionLayers.ValueKind == JsonValueKind.Array
                ? VisionLayers.EnumerateArray().Select(e => e.GetInt32()).ToArray()
                : [VisionLayers.GetInt32()],
            VisionWidth, VisionPatchSize, ContextLength, VocabSize, TransformerWidth, TransformerHeads, TransformerLayers);
    }
}
