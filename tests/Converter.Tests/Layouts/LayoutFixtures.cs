using System.Text.Json;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;
using ClipTools.Testing;

namespace ClipTools.Converter.Tests.Layouts;

/// <summary>fixtures/layouts (what expected.json says each file holds) and the official tiny models they came from.</summary>
public static class LayoutFixtures
{
    public static readonly string[] ArchiveBuffers = ["input_resolution", "context_length", "vocab_size"];

    public static string Root => RepositoryPaths.Root;

    public static string Folder => Path.Combine(Root, "fixtures", "layouts");

    private static readonly Lazy<JsonDocument> Expected = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json"))));

    public static JsonElement Files => Expected.Value.RootElement.GetProperty("files");

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var p in Files.EnumerateObject())
        {
            data.Add(p.Name);
        }
        return data;
    }

    public static string PathOf(string name) => Path.Combine(Folder, name);

    public static string TinyArchive(string model) => Path.Combine(Root, "fixtures", "tiny", model + ".pt");

    /// <summary>The official state dict of a tiny model (archive buffers dropped): name -> (dtype, shape, bytes), in archive order.</summary>
    public static List<(string Name, DType DType, long[] Shape, byte[] Bytes)> Official(string model)
    {
        using var set = FormatDetector.Open(TinyArchive(model));
        return set.Tensors.Where(t => !ArchiveBuffers.Contains(t.Name))
            .Select(t => (t.Name, t.DType, t.Shape.ToArray(), t.ReadBytes())).ToList();
    }

    /// <summary>A reader's result built in memory, for hand-made inputs.</summary>
    public static TensorSet InMemory(IEnumerable<(string Name, DType DType, long[] Shape, byte[] Bytes)> tensors) =>
        new(CheckpointFormat.TorchZip, "in memory",
            tensors.Select(t => new TensorEntry(t.Name, t.DType, t.Shape, new MemoryBytes(t.Bytes))).ToList(),
            [], new Dictionary<string, string>(), null, null);

    /// <summary>The mapped tensors are the official ones: same order, names, dtypes, shapes and bytes.</summary>
    public static void AssertOfficial(string model, IReadOnlyList<MappedTensor> tensors)
    {
        var official = Official(model);
        Assert.Equal(official.Select(o => o.Name), tensors.Select(t => t.Name));
        foreach (var (o, t) in official.Zip(tensors))
        {
            Assert.True(o.DType == t.DType, $"{o.Name}: {t.DType} != {o.DType}");
            Assert.Equal(o.Shape, t.Shape);
            Assert.True(o.Bytes.AsSpan().SequenceEqual(t.ReadBytes()), $"bytes of {o.Name} differ");
        }
    }
}
