using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Reports;

/// <summary>One tap on the plot: its depth (index among its tower's taps), both relative errors and the verdict.</summary>
public sealed record PlotPoint(int Depth, string Tap, double CandidateError, double Torch32Error, bool Passed, bool IsFirstDivergence);

/// <summary>One panel: one mode, one tower, its taps in execution order.</summary>
public sealed record PlotPanel(RunMode Mode, string Tower, IReadOnlyList<PlotPoint> Points);

/// <summary>
/// What the error-versus-depth figure shows, independent of how it is drawn (SVG here; a raster renderer can draw
/// the same panels). One panel per mode (rows) and tower (columns); y is the RMS error relative to the reference's
/// RMS, on a log scale, for the candidate and for PyTorch's own float32 run, so a port's curve leaving PyTorch's
/// band is where it diverges. Errors of 0 sit on the bottom edge, non-finite ones (NaN/Inf, shape mismatch) on the
/// top edge; all panels share one y range so they compare at a glance.
/// </summary>
public sealed record ErrorDepthPlot(IReadOnlyList<PlotPanel> Panels, double MinDecade, double MaxDecade)
{
    public const string YLabel = "RMS error / RMS of reference";
    public const string XLabel = "depth (tap index within the tower)";

    public static ErrorDepthPlot From(VerificationReport report)
    {
        var panels = new List<PlotPanel>();
        foreach (var mode in report.Modes)
        {
            var first = mode.FirstDivergence;
            foreach (var tower in mode.Taps.Select(t => t.Tower).Distinct())
            {
                var points = mode.Taps.Where(t => t.Tower == tower)
                    .Select((t, depth) => new PlotPoint(depth, t.Name, CandidateError(t), Relative(t.Torch32RmsError, t), t.Passed, ReferenceEquals(t, first)))
                    .ToList();
                panels.Add(new PlotPanel(mode.Mode, tower, points));
            }
        }
        var positive = panels.SelectMany(p => p.Points)
            .SelectMany(p => new[] { p.CandidateError, p.Torch32Error })
            .Where(v => v > 0 && double.IsFinite(v))
            .ToList();
        var min = positive.Count == 0 ? -8 : Math.Floor(Math.Log10(positive.Min()));
        var max = positive.Count == 0 ? 0 : Math.Ceiling(Math.Log10(positive.Max()));
        return new ErrorDepthPlot(panels, min, Math.Max(max, min + 1));
    }

    /// <summary>log10 of a value clamped into the plot's range: 0 to the bottom, non-finite to the top.</summary>
    public double Log10Clamped(double value) =>
        !double.IsFinite(value) ? MaxDecade
        : value <= 0 ? MinDecade
        : Math.Clamp(Math.Log10(value), MinDecade, MaxDecade);

    private static double CandidateError(TapResult tap) =>
        tap.Metrics is { } m ? m.RelativeRmsError : double.PositiveInfinity;

    private static double Relative(double rmsError, TapResult tap) =>
        tap.Metrics is { ReferenceRms: > 0 } m ? rmsError / m.ReferenceRms : rmsError;
}
