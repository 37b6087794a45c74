using System.Net;
using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Reports;

/// <summary>
/// The report as one self-contained HTML page (report.html): verdict, identity, rule, the error-versus-depth plot
/// inline as SVG, then per mode the first divergence and a table of every tap and output, failing rows highlighted.
/// No scripts, no external resources: it opens from a CI artifact as it is.
/// </summary>
public static class HtmlReport
{
    public static string Render(VerificationReport report, ErrorDepthPlot plot)
    {
        var verdict = report.Passed ? "PASS" : "FAIL";
        var html = new System.Text.StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append($"<title>CLIP verification: {verdict} — {E(report.Subject.CandidateName)}</title>\n");
        html.Append("""
            <style>
            body { font-family: sans-serif; margin: 2em; color: #222; }
            table { border-collapse: collapse; font-size: 12px; }
            th, td { border: 1px solid #ccc; padding: 2px 6px; }
            td.num { text-align: right; font-family: monospace; }
            tr.fail td { background: #fde0e0; }
            tr.first td { background: #f8b4b4; font-weight: bold; }
            .pass { color: #1a7f37; } .fail { color: #c62828; } .unchecked { color: #888; }
            pre { background: #f6f8fa; padding: 1em; }
            </style>

            """);
        html.Append("</head>\n<body>\n");
        html.Append($"<h1>CLIP verification: <span class=\"{(report.Passed ? "pass" : "fail")}\">{verdict}</span> (exit {report.ExitCode})</h1>\n");
        html.Append("<table class=\"identity\">\n");
        foreach (var (key, value) in MarkdownReport.Identity(report.Subject))
        {
            html.Append($"<tr><th>{E(key)}</th><td>{E(value)}</td></tr>\n");
        }
        html.Append("</table>\n");
        html.Append($"<p><b>Rule:</b> {E(report.Rule.Describe())}</p>\n");
        if (ReportFormat.FixtureLacks(report) is { } lacks)
        {
            html.Append($"<p class=\"lacks\"><b>Fixture:</b> {E(lacks)}</p>\n");
        }
        foreach (var mode in report.Modes)
        {
            html.Append($"<p class=\"{(mode.Passed ? "pass" : "fail")}\">{E(ReportFormat.ModeSummary(mode))}</p>\n");
        }

        html.Append("<h2>Error versus depth</h2>\n<figure>\n");
        html.Append(ErrorDepthSvg.Render(plot));
        html.Append($"<figcaption>{E(ErrorDepthPlot.YLabel)} (log scale) against {E(ErrorDepthPlot.XLabel)}, per mode and tower.</figcaption>\n</figure>\n");

        foreach (var mode in report.Modes)
        {
            html.Append($"<h2>{E(ReportFormat.Mode(mode.Mode))}</h2>\n");
            if (mode.FirstDivergence is { } first)
            {
                html.Append($"<p class=\"fail\">First divergence: {E(ReportFormat.Explain(first))}</p>\n");
            }
            if (mode.Diagnosis is { } diagnosis)
            {
                html.Append($"<p class=\"diagnosis\">Likely cause: <b>{E(diagnosis.Cause)}</b> at <code>{E(diagnosis.Tap)}</code>: {E(diagnosis.Evidence)}</p>\n");
            }
            Table(html, mode, report.Rule is ToleranceRule);
        }
        if (report.Subject.ConfigText is { } config)
        {
            html.Append($"<h2>Model configuration</h2>\n<pre>{E(config.Trim())}</pre>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Table(System.Text.StringBuilder html, ModeResults mode, bool tolerance)
    {
        string[] headers =
        [
            "#", "tap", "tower", "shape", "ratio", "RMS error", "PyTorch fp32 RMS", "bound", "max abs", "mean abs",
            "max rel", "p99.9 abs", "cosine", "SQNR dB", "worst at", .. tolerance ? new[] { "tolerance", "mismatches", "min atol", "min rtol" } : [],
            "verdict",
        ];
        html.Append($"<table class=\"taps\" data-mode=\"{ReportFormat.Mode(mode.Mode)}\">\n<tr>");
        html.Append(string.Concat(headers.Select(h => $"<th>{E(h)}</th>")));
        html.Append("</tr>\n");
        var first = mode.FirstDivergence;
        var index = 0;
        foreach (var tap in mode.All)
        {
            var m = tap.Metrics;
            string Num(string text) => $"<td class=\"num\">{E(text)}</td>";
            string Metric(Func<TapMetrics, string> f) => Num(m is null ? "-" : f(m));
            var rowClass = ReferenceEquals(tap, first) ? "fail first" : tap.Passed ? "pass" : "fail";
            html.Append($"<tr class=\"{rowClass}\" title=\"{E(tap.Reason ?? "")}\">");
            html.Append(Num(index++.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            html.Append($"<td><code>{E(tap.Name)}</code></td><td>{E(tap.Tower)}</td><td>{E(ReportFormat.Shape(tap.Shape))}</td>");
            html.Append(Num(ReportFormat.Ratio(tap.Ratio)));
            html.Append(Metric(x => ReportFormat.Error(x.RmsError)));
            html.Append(Num(ReportFormat.Error(tap.Torch32RmsError)));
            html.Append(Num(ReportFormat.Error(tap.Bound)));
            html.Append(Metric(x => ReportFormat.Error(x.MaxAbsError)));
            html.Append(Metric(x => ReportFormat.Error(x.MeanAbsError)));
            html.Append(Metric(x => ReportFormat.Error(x.MaxRelativeError)));
            html.Append(Metric(x => ReportFormat.Error(x.AbsErrorP999)));
            html.Append(Metric(x => ReportFormat.Cosine(x.CosineSimilarity)));
            html.Append(Metric(x => ReportFormat.Sqnr(x.SqnrDb)));
            html.Append(Metric(x => MultiIndex.Format(x.Worst.Index)));
            if (tolerance)
            {
                var t = tap.Tolerance;
                html.Append(t is null ? "<td>-</td>" : $"<td>{E(t.Applied.ToString())}</td>");
                html.Append(Num(t?.MismatchCount.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"));
                html.Append(Num(t is null ? "-" : ReportFormat.Error(t.MinimumAtol)));
                html.Append(Num(t is null ? "-" : ReportFormat.Error(t.MinimumRtol)));
            }
            html.Append($"<td class=\"{(!tap.Checked ? "unchecked" : tap.Passed ? "pass" : "fail")}\">{ReportFormat.Verdict(tap)}</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
