using System.Runtime.InteropServices;
using System.Text.Json;
using ClipTools.Checkpoints.Formats;
using ClipTools.Families.Tutorial;
using ClipTools.Verifier.Fixtures;

namespace ClipTools.ClipModel.Tests.Tutorial;

/// <summary>The tutorial fixture's manifest and tensors, read directly (docs/fixture-format.md).</summary>
internal sealed class TutorialFixtureFile : IDisposable
{
    private readonly TensorSet _file;
    private readonly Dictionary<string, TensorEntry> _entries;

    public TutorialFixtureFile(string path)
    {
        _file = TensorFile.Open(path);
        _entries = _file.Tensors.ToDictionary(t => t.Name);
        using var manifest = JsonDocument.Parse(_file.Metadata["manifest"]);
        var root = manifest.RootElement;
        Family = root.GetProperty("family").GetString()!;
        Config = root.GetProperty("model").Deserialize<TutorialClipConfig>(SnakeCase)!;
        Taps = root.GetProperty("taps").EnumerateArray()
            .Select(t => (t.GetProperty("name").GetString()!, t.GetProperty("tower").GetString()!)).ToList();
        Outputs = root.GetProperty("outputs").EnumerateArray().Select(o => o.GetString()!).ToList();
        Noise = root.GetProperty("noise").GetProperty("rms_error").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray());
    }

    public string Family { get; }
    public TutorialClipConfig Config { get; }
    public IReadOnlyList<(string Name, string Tower)> Taps { get; }
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The perturbed float32 runs' RMS errors per <c>tap.NAME</c> / <c>output.NAME</c> (docs/judgement.md).</summary>
    public IReadOnlyDictionary<string, double[]> Noise { get; }

    public long[] Shape(string name) => [.. _entries[name].Shape];

    public double[] Doubles(string name) => _entries[name].DType == DType.Float64
        ? Read<double>(name)
        : Array.ConvertAll(Read<float>(name), v => (double)v);

    public float[] Floats(string name) => Read<float>(name);

    public long[] Longs(string name) => Read<long>(name);

    public void Dispose() => _file.Dispose();

    private T[] Read<T>(string name) where T : unmanaged => MemoryMarshal.Cast<byte, T>(_entries[name].ReadBytes()).ToArray();

    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
