using System.Globalization;
using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Reports;

/// <summary>
/// The report as CSV (report.csv, RFC 4180): a header, then one row per tap and per output of every mode, in
/// execution order. Columns are <see cref="Columns"/>; numbers are round-trip invariant-culture doubles, non-finite
/// ones Infinity, -Infinity, NaN; an empty cell is "not applicable" (no metrics on a shape mismatch, no tolerance
/// columns under the ratio rule). Shapes and indices are written as <c>2x3x4</c>. <c>likely_cause</c> and
/// <c>cause_evidence</c> are set on a failing mode's first divergence only (verifier/Diagnosis).
/// </summary>
public static class CsvReport
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "mode", "kind", "index", "name", "tower", "shape", "verdict", "ratio", "rms_error", "torch32_rms_error", "bound",
        "max_abs_error", "mean_abs_error", "max_rel_error", "abs_error_p999", "cosine_similarity", "sqnr_db",
        "reference_rms", "non_finite_count", "worst_index", "worst_candidate", "worst_reference",
        "atol", "rtol", "mismatch_count", "minimum_atol", "minimum_rtol", "likely_cause", "cause_evidence", "reason",
    ];

    public static string Render(VerificationReport report)
    {
        var csv = new System.Text.StringBuilder();
        csv.Append(string.Join(",", Columns)).Append("\r\n");
        foreach (var mode in report.Modes)
        {
            foreach (var (kind, list) in new[] { ("tap", mode.Taps), ("output", mode.Outputs) })
            {
                for (var i = 0; i < list.Count; i++)
                {
                    // The diagnosis sits on the row of the tap it explains (the mode's first divergence).
                    var diagnosis = mode.Diagnosis is { } d && ReferenceEquals(list[i], mode.FirstDivergence) ? d : null;
                    csv.Append(string.Join(",", Row(mode.Mode, kind, i, list[i], diagnosis).Select(Quote))).Append("\r\n");
                }
            }
        }
        return csv.ToString();
    }

    private static IEnumerable<string> Row(RunMode mode, string kind, int index, TapResult tap, FaultDiagnosis? diagnosis)
    {
        var m = tap.Metrics;
        var t = tap.Tolerance;
        string N(double? value) => value is { } v ? ReportFormat.RoundTrip(v) : "";
        string I(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
        return
        [
            ReportFormat.Mode(mode), kind, I(index), tap.Name, tap.Tower, string.Join("x", tap.Shape),
            tap.Checked ? (tap.Passed ? "pass" : "fail") : ReportFormat.NotChecked, N(tap.Ratio), N(m?.RmsError), N(tap.Torch32RmsError), N(tap.Bound),
            N(m?.MaxAbsError), N(m?.MeanAbsError), N(m?.MaxRelativeError), N(m?.AbsErrorP999), N(m?.CosineSimilarity),
            N(m?.SqnrDb), N(m?.ReferenceRms), I(m?.NonFiniteCount), m is null ? "" : string.Join("x", m.Worst.Index),
            N(m?.Worst.Candidate), N(m?.Worst.Reference),
            N(t?.Applied.Atol), N(t?.Applied.Rtol), I(t?.MismatchCount), N(t?.MinimumAtol), N(t?.MinimumRtol),
            diagnosis?.Cause ?? "", diagnosis?.Evidence ?? "", tap.Reason ?? "",
        ];
    }

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}
