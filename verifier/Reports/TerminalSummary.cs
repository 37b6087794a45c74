using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Reports;

/// <summary>
/// What clip-verify prints by default: the subject, the rule, per mode its verdict line, the first divergence
/// explained, the input taps of a fixture with raw inputs, and the worst taps by ratio to PyTorch's own float32 error;
/// then the verdict. The full per-tap tables
/// are <see cref="TerminalReport"/> (<c>-v</c>).
/// </summary>
public static class TerminalSummary
{
    /// <summary>How many of the worst taps each mode lists.</summary>
    public const int WorstShown = 3;

    private const string Red = "\u001b[31m";
    private const string Green = "\u001b[32m";
    private const string Bold = "\u001b[1m";
    private const string Reset = "\u001b[0m";

    public static string Render(VerificationReport report, bool colour)
    {
        var text = new System.Text.StringBuilder();
        text.Append($"{report.Subject.CandidateName} vs {report.Subject.FixtureName}\n");
        text.Append($"{report.Rule.Describe()}\n");
        if (ReportFormat.FixtureLacks(report) is { } lacks)
        {
            text.Append(lacks).Append('\n');
        }
        foreach (var mode in report.Modes)
        {
            text.Append(Paint(ReportFormat.ModeSummary(mode), mode.Passed ? Green : Red, colour)).Append('\n');
            if (mode.FirstDivergence is { } first)
            {
                text.Append(Paint($"  first divergence: {ReportFormat.Explain(first)}", Red, colour)).Append('\n');
            }
            if (mode.Diagnosis is { } diagnosis)
            {
                text.Append(Paint($"  {ReportFormat.LikelyCause(diagnosis)}", Red, colour)).Append('\n');
            }
            var inputs = mode.Taps.Where(t => t.Tower == InputTapJudge.Tower && t.Checked).ToList();
            if (inputs.Count > 0)
            {
                // A fixture with raw inputs: say how the tokenizer and preprocessing did, pass or fail.
                text.Append($"  input taps: {string.Join(", ", inputs.Select(InputVerdict))}\n");
            }
            var worst = Worst(mode);
            if (worst.Count > 0)
            {
                text.Append($"  worst taps (ratio to PyTorch's float32 error): {string.Join(", ", worst.Select(t => $"{t.Name} {ReportFormat.Ratio(t.Ratio)}"))}\n");
            }
        }
        var verdict = $"verdict: {(report.Passed ? "PASS" : "FAIL")} (exit {report.ExitCode})";
        text.Append(Paint(verdict, Bold + (report.Passed ? Green : Red), colour)).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// The taps and outputs nearest to (or furthest past) their verdict: failing ones first, then by RMS error over the
    /// bound it was judged by (by the ratio where a rule has no such bound); unmeasured ones left out.
    /// </summary>
    public static IReadOnlyList<TapResult> Worst(ModeResults mode) =>
        mode.All.Where(t => !double.IsNaN(Severity(t)))
            .OrderBy(t => t.Passed)
            .ThenByDescending(Severity)
            .Take(WorstShown)
            .ToList();

    private static string InputVerdict(TapResult tap) =>
        $"{tap.Name} {ReportFormat.Verdict(tap)}" + (tap.Metrics is { } m
            ? tap.Bound > 0
                ? $" (max abs {ReportFormat.Error(m.MaxAbsError)}, allowed {ReportFormat.Error(tap.Bound)})"
                : $" ({tap.Tolerance?.MismatchCount ?? 0} of {m.Count} ids differ)"
            : "");

    private static double Severity(TapResult tap) =>
        tap.Metrics is { } m && tap.Bound > 0 && double.IsFinite(tap.Bound) ? m.RmsError / tap.Bound : tap.Ratio;

    private static string Paint(string text, string style, bool colour) => colour ? style + text + Reset : text;
}
