using System.Globalization;
using ScottPlot;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Reports;

/// <summary>
/// error-vs-depth.png: the same panels as <see cref="ErrorDepthSvg"/>, rasterised by ScottPlot (SkiaSharp). Kept
/// in its own file because it is the verifier's only native dependency; it implements
/// <see cref="ReportWriter"/>'s optional PNG step.
/// </summary>
public static partial class ReportWriter
{
    private const int PanelWidth = 560, PanelHeight = 330;

    static partial void WritePng(ErrorDepthPlot plot, string path, ref bool written)
    {
        var modes = plot.Panels.Select(p => p.Mode).Distinct().ToList();
        var towers = plot.Panels.Select(p => p.Tower).Distinct().ToList();
        var multiplot = new Multiplot();
        var cells = new Plot[modes.Count * towers.Count];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = new Plot();
        }
        foreach (var panel in plot.Panels)
        {
            Draw(cells[(modes.IndexOf(panel.Mode) * towers.Count) + towers.IndexOf(panel.Tower)], plot, panel);
        }
        // A new Multiplot holds one empty plot: replace it with the first panel, then add the rest.
        multiplot.Reset(cells[0]);
        foreach (var cell in cells.Skip(1))
        {
            multiplot.AddPlot(cell);
        }
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(modes.Count, towers.Count);
        multiplot.SavePng(path, towers.Count * PanelWidth, modes.Count * PanelHeight);
        written = true;
    }

    private static void Draw(Plot cell, ErrorDepthPlot plot, PlotPanel panel)
    {
        // Log scale by plotting log10 and labelling the decades, ScottPlot's documented way.
        double[] depths = [.. panel.Points.Select(p => (double)p.Depth)];
        var torch32 = cell.Add.Scatter(depths, [.. panel.Points.Select(p => plot.Log10Clamped(p.Torch32Error))]);
        torch32.Color = Colors.Gray;
        torch32.LinePattern = LinePattern.Dashed;
        torch32.MarkerSize = 0;
        torch32.LegendText = "PyTorch float32";
        var candidate = cell.Add.Scatter(depths, [.. panel.Points.Select(p => plot.Log10Clamped(p.CandidateError))]);
        candidate.Color = Colors.C0;
        candidate.MarkerSize = 4;
        candidate.LegendText = "candidate";
        var failing = panel.Points.Where(p => !p.Passed).ToList();
        if (failing.Count > 0)
        {
            double[] xs = [.. failing.Select(p => (double)p.Depth)];
            double[] ys = [.. failing.Select(p => plot.Log10Clamped(p.CandidateError))];
            var marks = cell.Add.ScatterPoints(xs, ys);
            marks.Color = Colors.Red;
            marks.MarkerSize = 8;
            marks.LegendText = "failing tap";
        }

        var ticks = new ScottPlot.TickGenerators.NumericManual();
        var step = plot.MaxDecade - plot.MinDecade > 10 ? 2 : 1;
        for (var d = plot.MinDecade; d <= plot.MaxDecade; d += step)
        {
            ticks.AddMajor(d, "1e" + d.ToString(CultureInfo.InvariantCulture));
        }
        cell.Axes.Left.TickGenerator = ticks;
        cell.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        cell.Axes.SetLimitsY(plot.MinDecade - 0.1, plot.MaxDecade + 0.1);
        cell.Axes.SetLimitsX(-0.5, Math.Max(1, panel.Points.Count - 1) + 0.5);
        cell.Title($"{(panel.Mode == RunMode.Chained ? "chained" : "isolated")} · {panel.Tower} tower");
        cell.XLabel(ErrorDepthPlot.XLabel);
        cell.YLabel(ErrorDepthPlot.YLabel);
        cell.ShowLegend(Alignment.UpperLeft);
    }
}
