using System.Text.Json;

namespace ClipTools.Verifier.Tests.Cli;

/// <summary>One tap's line in report.json.</summary>
public sealed record JsonTap(string Name, string Tower, bool Passed, string? Reason, double? RmsError, string Verdict = "");

/// <summary>One mode of report.json.</summary>
public sealed record JsonMode(string Mode, string? FirstDivergence, IReadOnlyList<JsonTap> Taps, IReadOnlyList<JsonTap> Outputs)
{
    public JsonTap Tap(string name) => Taps.Single(t => t.Name == name);

    public int IndexOf(string name) => Taps.ToList().FindIndex(t => t.Name == name);
}

/// <summary>The parts of a written report.json the CLI tests look at.</summary>
public sealed record ReportJson(string Verdict, int ExitCode, IReadOnlyList<JsonMode> Modes)
{
    public JsonMode Mode(string mode) => Modes.Single(m => m.Mode == mode);

    public static ReportJson Read(string directory)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "report.json")));
        var root = doc.RootElement;
        var modes = root.GetProperty("modes").EnumerateArray().Select(m => new JsonMode(
            m.GetProperty("mode").GetString()!,
            m.GetProperty("first_divergence").GetString(),
            Taps(m.GetProperty("taps")),
            Taps(m.GetProperty("outputs")))).ToList();
        return new ReportJson(root.GetProperty("verdict").GetString()!, root.GetProperty("exit_code").GetInt32(), modes);
    }

    private static List<JsonTap> Taps(JsonElement list) => list.EnumerateArray().Select(t => new JsonTap(
        t.GetProperty("name").GetString()!,
        t.GetProperty("tower").GetString()!,
        t.GetProperty("verdict").GetString() == "pass",
        t.GetProperty("reason").GetString(),
        t.GetProperty("metrics") is { ValueKind: JsonValueKind.Object } metrics
            && metrics.GetProperty("rms_error") is { ValueKind: JsonValueKind.Number } rms ? rms.GetDouble() : null,
        t.GetProperty("verdict").GetString()!)).ToList();
}
