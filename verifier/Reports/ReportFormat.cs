using System.Globalization;
using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Reports;

/// <summary>How numbers and names read in the human-facing reports (terminal, Markdown, HTML), in one place.</summary>
internal static class ReportFormat
{
    public static string Verdict(bool passed) => passed ? "pass" : "FAIL";

    /// <summary>A tap's verdict: pass, FAIL, or "not checked" for a tap outside the user's --taps selection.</summary>
    public static string Verdict(TapResult tap) => tap.Checked ? Verdict(tap.Passed) : NotChecked;

    public const string NotChecked = "not checked";

    public static string Mode(RunMode mode) => mode == RunMode.Chained ? "chained" : "isolated";

    public static string Shape(IReadOnlyList<long> shape) => MultiIndex.Format(shape);

    /// <summary>The headline ratio: two decimals where it reads naturally, scientific where it is huge.</summary>
    public static string Ratio(double ratio) =>
        double.IsNaN(ratio) ? "-"
        : double.IsPositiveInfinity(ratio) ? "inf"
        : ratio >= 1000 ? ratio.ToString("0.0e+0", CultureInfo.InvariantCulture)
        : ratio.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>An error magnitude: three significant digits, scientific.</summary>
    public static string Error(double value) =>
        double.IsNaN(value) ? "-"
        : double.IsInfinity(value) ? (value > 0 ? "inf" : "-inf")
        : value == 0 ? "0"
        : value.ToString("0.00e+0", CultureInfo.InvariantCulture);

    /// <summary>
    /// A cosine near 1 as its distance from 1 (<c>1-8.8e-12</c>), since 0.99999999999 hides what matters; an
    /// exact 1 as <c>1</c>; anything else with six decimals.
    /// </summary>
    public static string Cosine(double cosine) =>
        double.IsNaN(cosine) ? "nan"
        : cosine == 1 ? "1"
        : cosine >= 0.999 ? "1-" + (1 - cosine).ToString("0.0e+0", CultureInfo.InvariantCulture)
        : cosine.ToString("0.000000", CultureInfo.InvariantCulture);

    public static string Sqnr(double db) =>
        double.IsNaN(db) ? "nan"
        : double.IsInfinity(db) ? (db > 0 ? "inf" : "-inf")
        : db.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>Machine-readable numbers (CSV): round-trip precision; non-finite as Infinity, -Infinity, NaN
    /// (what .NET, Python's float() and pandas all read back).</summary>
    public static string RoundTrip(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Infinity"
        : double.IsNegativeInfinity(value) ? "-Infinity"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The summary line of one mode: its verdict, the failure count and the first diverging layer.</summary>
    public static string ModeSummary(ModeResults mode)
    {
        var count = $"{mode.Taps.Count} taps, {mode.Outputs.Count} outputs";
        return mode.Passed
            ? $"{Mode(mode.Mode)}: pass ({count})"
            : $"{Mode(mode.Mode)}: FAIL ({mode.FailedCount} of {mode.Taps.Count + mode.Outputs.Count} failing; {count}); first divergence: {mode.FirstDivergence!.Name}";
    }

    /// <summary>"likely cause: ID: evidence", one line (verifier/Diagnosis).</summary>
    public static string LikelyCause(FaultDiagnosis diagnosis) => $"likely cause: {diagnosis.Cause}: {diagnosis.Evidence}";

    /// <summary>"fixture lacks: ...; ...", one line, or null for a fixture that lacks nothing.</summary>
    public static string? FixtureLacks(VerificationReport report) =>
        report.FixtureLacks.Count == 0 ? null : $"fixture lacks: {string.Join("; ", report.FixtureLacks)}";

    /// <summary>Why a tap failed and where its worst element is, in one line.</summary>
    public static string Explain(TapResult tap)
    {
        var where = tap.Metrics is { } m
            ? string.Create(CultureInfo.InvariantCulture,
                $"; worst element {MultiIndex.Format(m.Worst.Index)}: candidate {m.Worst.Candidate:G9}, reference {m.Worst.Reference:G9}")
            : "";
        return $"{tap.Name}: {tap.Reason ?? "passed"}{where}";
    }
}
