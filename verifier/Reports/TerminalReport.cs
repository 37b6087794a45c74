using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Reports;

/// <summary>
/// The table clip-verify prints: per mode one row per tap and output (tap, ratio, RMS error, max abs error, cosine,
/// SQNR, verdict), the first divergence marked, then the overall verdict. Colour is plain ANSI SGR, and only when
/// asked for: <see cref="ColourByDefault"/> says whether stdout is a terminal that wants it.
/// </summary>
public static class TerminalReport
{
    private const string Red = "\u001b[31m";
    private const string Green = "\u001b[32m";
    private const string Bold = "\u001b[1m";
    private const string Reset = "\u001b[0m";

    /// <summary>True when stdout is a terminal, NO_COLOR (no-color.org) is unset and TERM is not "dumb".</summary>
    public static bool ColourByDefault() =>
        !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb";

    public static void Write(VerificationReport report, TextWriter writer, bool colour) =>
        writer.Write(Render(report, colour));

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
            text.Append('\n');
            text.Append(Paint(ReportFormat.ModeSummary(mode), mode.Passed ? Green : Red, colour)).Append('\n');
            text.Append(Table(mode, colour));
            if (mode.FirstDivergence is { } first)
            {
                text.Append(Paint($"first divergence: {ReportFormat.Explain(first)}", Red, colour)).Append('\n');
            }
            if (mode.Diagnosis is { } diagnosis)
            {
                text.Append(Paint(ReportFormat.LikelyCause(diagnosis), Red, colour)).Append('\n');
            }
        }
        text.Append('\n');
        var verdict = $"verdict: {(report.Passed ? "PASS" : "FAIL")} (exit {report.ExitCode})";
        text.Append(Paint(verdict, Bold + (report.Passed ? Green : Red), colour)).Append('\n');
        return text.ToString();
    }

    private static string Table(ModeResults mode, bool colour)
    {
        var first = mode.FirstDivergence;
        var rows = new List<(string[] Cells, TapResult? Tap)>
        {
            (["tap", "ratio", "rms err", "max abs", "cosine", "SQNR dB", "verdict"], null),
        };
        rows.AddRange(mode.Taps.Concat(mode.Outputs).Select(t => (Cells(t, ReferenceEquals(t, first)), (TapResult?)t)));

        var widths = Enumerable.Range(0, rows[0].Cells.Length).Select(c => rows.Max(r => r.Cells[c].Length)).ToArray();
        var text = new System.Text.StringBuilder();
        for (var r = 0; r < rows.Count; r++)
        {
            // Pad first, colour after, so escape codes never count towards a column's width.
            var (cells, tap) = rows[r];
            // The verdict, last, is not padded: trailing blanks inside a colour would survive the line's trim.
            var padded = cells.Select((cell, c) => c == cells.Length - 1 ? cell : c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])).ToArray();
            if (tap is not null)
            {
                padded[^1] = Paint(padded[^1], tap.Passed ? Green : Red, colour);
            }
            text.Append(string.Join("  ", padded).TrimEnd()).Append('\n');
            if (r == 0 || (tap is not null && mode.Outputs.Count > 0 && ReferenceEquals(tap, mode.Taps.LastOrDefault())))
            {
                text.Append(string.Join("  ", widths.Select(w => new string('-', w)))).Append('\n');
            }
        }
        return text.ToString();
    }

    private static string[] Cells(TapResult tap, bool isFirstDivergence)
    {
        var m = tap.Metrics;
        var verdict = ReportFormat.Verdict(tap) + (isFirstDivergence ? "  <- first divergence" : "");
        return
        [
            tap.Name,
            ReportFormat.Ratio(tap.Ratio),
            m is null ? "-" : ReportFormat.Error(m.RmsError),
            m is null ? "-" : ReportFormat.Error(m.MaxAbsError),
            m is null ? "-" : ReportFormat.Cosine(m.CosineSimilarity),
            m is null ? "-" : ReportFormat.Sqnr(m.SqnrDb),
            verdict,
        ];
    }

    private static string Paint(string text, string style, bool colour) => colour ? style + text + Reset : text;
}
