using ClipTools.Checkpoints.Formats;
using ClipTools.Testing;

namespace ClipTools.Input.Tests.Preprocessing;

/// <summary>fixtures/preprocessing/expected.npz (PIL + torchvision, make_preprocessing_fixtures.py), read once.</summary>
internal static class PreprocessingReference
{
    private static readonly Lazy<Dictionary<string, (long[] Shape, byte[] Bytes)>> Arrays = new(Load);

    public static string ImagePath(string name) => RepositoryPaths.Fixture("preprocessing", "images", name);

    public static IEnumerable<string> ImageNames =>
        Directory.GetFiles(RepositoryPaths.Fixture("preprocessing", "images")).Select(Path.GetFileName).Order()!;

    public static bool Has(string key) => Arrays.Value.ContainsKey(key);

    public static IEnumerable<string> Keys => Arrays.Value.Keys;

    public static (long[] Shape, byte[] Bytes) Get(string key) => Arrays.Value[key];

    public static float[] Floats(string key)
    {
        var bytes = Get(key).Bytes;
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    private static Dictionary<string, (long[], byte[])> Load()
    {
        using var file = new CheckpointFile(RepositoryPaths.Fixture("preprocessing", "expected.npz"));
        using var set = NpzReader.Read(file);
        return set.Tensors.ToDictionary(t => t.Name, t => (t.Shape.ToArray(), t.ReadBytes()));
    }
}
