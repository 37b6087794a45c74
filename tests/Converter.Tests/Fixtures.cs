using System.Text.Json;

namespace ClipTools.Converter.Tests;

/// <summary>The committed format fixtures and what fixtures/formats/expected.json says each holds.</summary>
public static class Fixtures
{
    public static string Folder { get; } = FindFolder();

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

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "fixtures", "formats");
            if (File.Exists(Path.Combine(candidate, "expected.json")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("fixtures/formats/expected.json not found above the test binaries");
    }
}
