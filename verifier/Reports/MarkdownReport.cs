using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Reports;

/// <summary>The report as Markdown (report.md): identity, rule, then per mode a summary and a full table.</summary>
public static class MarkdownReport
{
    public static string Render(VerificationReport report)
    {
        var md = new System.Text.StringBuilder();
        md.Append($"# CLIP verification: {(report.Passed ? "PASS" : "FAIL")} (exit {report.ExitCode})\n\n");
        md.Append("| | |\n|---|---|\n");
        foreach (var (key, value) in Identity(report.Subject))
        {
            md.Append($"| {key} | {Cell(value)} |\n");
        }
        md.Append($"\n**Rule:** {Cell(report.Rule.Describe())}\n");
        if (ReportFormat.FixtureLacks(report) is { } lacks)
        {
            md.Append($"\n**Fixture:** {Cell(lacks)}\n");
        }
        foreach (var mode in report.Modes)
        {
            md.Append($"\n## {Cell(ReportFormat.ModeSummary(mode))}\n\n");
            if (mode.FirstDivergence is { } first)
            {
                md.Append($"First divergence: {Cell(ReportFormat.Explain(first))}\n\n");
            }
            if (mode.Diagnosis is { } diagnosis)
            {
                md.Append($"Likely cause: **{diagnosis.Cause}** at `{Cell(diagnosis.Tap)}`: {Cell(diagnosis.Evidence)}\n\n");
            }
            var tolerance = report.Rule is ToleranceRule;
            md.Append("| # | tap | tower | shape | ratio | RMS error | PyTorch fp32 RMS | bound | max abs | mean abs | max rel | p99.9 abs | cosine | SQNR dB | worst at |");
            md.Append(tolerance ? " tolerance | mismatches | min atol | min rtol | verdict |\n" : " verdict |\n");
            md.Append("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            md.Append(tolerance ? "---|---:|---:|---:|---|\n" : "---|\n");
            var index = 0;
            foreach (var tap in mode.All)
            {
                md.Append(Row(index++, tap, tolerance)).Append('\n');
            }
        }
        if (report.Subject.ConfigText is { } config)
        {
            md.Append("\n## Model configuration\n\n```json\n").Append(config.Trim()).Append("\n```\n");
        }
        return md.ToString();
    }

    /// <summary>The identity rows shared with the HTML page.</summary>
    internal static IEnumerable<(string Key, string Value)> Identity(ReportSubject subject)
    {
        yield return ("candidate", subject.CandidateName);
        if (subject.CandidateSha256 is { } candidateHash) { yield return ("candidate SHA-256", candidateHash); }
        yield return ("fixture", subject.FixtureName);
        if (subject.FixtureSha256 is { } fixtureHash) { yield return ("fixture SHA-256", fixtureHash); }
        if (subject.CheckpointSha256 is { } checkpointHash) { yield return ("checkpoint SHA-256", checkpointHash); }
        if (subject.Producer is { } producer) { yield return ("reference producer", producer); }
    }

    private static string Row(int index, TapResult tap, bool tolerance)
    {
        var m = tap.Metrics;
        string Metric(Func<TapMetrics, string> f) => m is null ? "-" : f(m);
        var verdict = !tap.Checked ? ReportFormat.NotChecked : tap.Passed ? "pass" : "**FAIL**";
        return string.Join(" | ",
        [
            $"| {index}", $"`{Cell(tap.Name)}`", tap.Tower, ReportFormat.Shape(tap.Shape), ReportFormat.Ratio(tap.Ratio),
            Metric(x => ReportFormat.Error(x.RmsError)), ReportFormat.Error(tap.Torch32RmsError), ReportFormat.Error(tap.Bound),
            Metric(x => ReportFormat.Error(x.MaxAbsError)), Metric(x => ReportFormat.Error(x.MeanAbsError)),
            Metric(x => ReportFormat.Error(x.MaxRelativeError)), Metric(x => ReportFormat.Error(x.AbsErrorP999)),
            Metric(x => ReportFormat.Cosine(x.CosineSimilarity)), Metric(x => ReportFormat.Sqnr(x.SqnrDb)),
            Metric(x => MultiIndex.Format(x.Worst.Index)),
            .. tolerance ? ToleranceCells(tap.Tolerance) : [],
            verdict + " |",
        ]);
    }

    private static string[] ToleranceCells(ToleranceOutcome? outcome) => outcome is null
        ? ["-", "-", "-", "-"]
        : [outcome.Applied.ToString(), outcome.MismatchCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
           ReportFormat.Error(outcome.MinimumAtol), ReportFormat.Error(outcome.MinimumRtol)];

    // A pipe would end the cell; a newline would end the row.
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
