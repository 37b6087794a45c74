using System.Globalization;
using System.Text.Json;
using ClipTools.Testing;

namespace ClipTools.Verifier.Tests;

/// <summary>One case of fixtures/verifier/metric_cases.json: arrays and the metrics numpy computed for them.</summary>
internal sealed record MetricCase(string Name, long[] Shape, double[] Reference, double[] Candidate, double[] Torch32, JsonElement Expected)
{
    public static IReadOnlyList<MetricCase> All { get; } = Load();

    public static MetricCase Named(string name) => All.Single(c => c.Name == name);

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in All)
        {
            data.Add(c.Name);
        }
        return data;
    }

    public double Number(string key) => ToDouble(Expected.GetProperty(key));

    public double Tolerance(string key) => ToDouble(Expected.GetProperty("tolerance").GetProperty(key));

    /// <summary>The fixture writes non-finite numbers as the strings "Infinity", "-Infinity", "NaN".</summary>
    public static double ToDouble(JsonElement value) =>
        value.ValueKind == JsonValueKind.String
            ? double.Parse(value.GetString()!, CultureInfo.InvariantCulture)
            : value.GetDouble();

    private static List<MetricCase> Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Fixture("verifier", "metric_cases.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new MetricCase(
            c.GetProperty("name").GetString()!,
            c.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray(),
            Doubles(c.GetProperty("reference")),
            Doubles(c.GetProperty("candidate")),
            Doubles(c.GetProperty("torch32")),
            c.GetProperty("expected").Clone())).ToList();
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();
}
