using System.Text.Json;
using ClipTools.Testing;

namespace ClipTools.Converter.Tests;

/// <summary>The committed format fixtures and what fixtures/formats/expected.json says each holds.</summary>
public static class Fixtures
{
    public static string Folder { get; } = RepositoryPaths.Fixture("formats");

    private static readonly Lazy<JsonDocument> Expected = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json"))));

    public static JsonElement Files => Expected.Value.RootElement.GetProperty("files");

    public static IEnumerable<string> Names => Files.EnumerateObject().Select(p => p.Name).ToList();

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names)
        {
            data.Add(name);
        }
        return data;
    }

    public static string PathOf(string name) => Path.Combine(Folder, name);
}
