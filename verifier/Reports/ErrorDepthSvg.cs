using System.Globalization;
using System.Text;

namespace ClipTools.Verifier.Reports;

/// <summary>
/// Draws an <see cref="ErrorDepthPlot"/> as a self-contained SVG (error-vs-depth.svg, and inline in report.html):
/// a grid of panels, decade gridlines, the candidate as a solid line with a dot per tap (red where the tap fails,
/// ringed at the first divergence), PyTorch float32 as a dashed grey line, a tooltip per tap.
/// </summary>
public static class ErrorDepthSvg
{
    private const double PanelWidth = 460, PanelHeight = 270;
    private const double Left = 64, Right = 16, Top = 34, Bottom = 44;
    private const double LegendHeight = 28;
    private const string CandidateColour = "#1f77b4", Torch32Colour = "#888888", FailColour = "#d62728";

    public static string Render(ErrorDepthPlot plot)
    {
        var modes = plot.Panels.Select(p => p.Mode).Distinct().ToList();
        var towers = plot.Panels.Select(p => p.Tower).Distinct().ToList();
        var width = Math.Max(1, towers.Count) * PanelWidth;
        var height = (Math.Max(1, modes.Count) * PanelHeight) + LegendHeight;

        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n"));
        svg.Append(F($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"));
        Legend(svg);
        foreach (var panel in plot.Panels)
        {
            var x0 = towers.IndexOf(panel.Tower) * PanelWidth;
            var y0 = LegendHeight + (modes.IndexOf(panel.Mode) * PanelHeight);
            Panel(svg, plot, panel, x0, y0);
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Legend(StringBuilder svg)
    {
        svg.Append(F($"<g transform=\"translate({Left},8)\">"));
        svg.Append(F($"<line x1=\"0\" y1=\"8\" x2=\"24\" y2=\"8\" stroke=\"{CandidateColour}\" stroke-width=\"2\"/><text x=\"30\" y=\"12\">candidate</text>"));
        svg.Append(F($"<line x1=\"110\" y1=\"8\" x2=\"134\" y2=\"8\" stroke=\"{Torch32Colour}\" stroke-width=\"2\" stroke-dasharray=\"5,3\"/><text x=\"140\" y=\"12\">PyTorch float32</text>"));
        svg.Append(F($"<circle cx=\"260\" cy=\"8\" r=\"3.5\" fill=\"{FailColour}\"/><text x=\"268\" y=\"12\">failing tap</text>"));
        svg.Append(F($"<circle cx=\"350\" cy=\"8\" r=\"6\" fill=\"none\" stroke=\"{FailColour}\" stroke-width=\"1.5\"/><text x=\"360\" y=\"12\">first divergence</text>"));
        svg.Append("</g>\n");
    }

    private static void Panel(StringBuilder svg, ErrorDepthPlot plot, PlotPanel panel, double x0, double y0)
    {
        var plotWidth = PanelWidth - Left - Right;
        var plotHeight = PanelHeight - Top - Bottom;
        var lastDepth = Math.Max(1, panel.Points.Count - 1);
        // Inset so that the first and last taps' markers are not cut by the frame.
        const double inset = 8;
        double X(int depth) => x0 + Left + inset + ((plotWidth - (2 * inset)) * depth / lastDepth);
        double Y(double value) => y0 + Top + (plotHeight * (plot.MaxDecade - plot.Log10Clamped(value)) / (plot.MaxDecade - plot.MinDecade));

        svg.Append(F($"<g class=\"panel\" data-mode=\"{ReportFormat.Mode(panel.Mode)}\" data-tower=\"{Escape(panel.Tower)}\">\n"));
        svg.Append(F($"<text x=\"{x0 + Left}\" y=\"{y0 + 20}\" font-size=\"13\" font-weight=\"bold\">{ReportFormat.Mode(panel.Mode)} · {Escape(panel.Tower)} tower</text>\n"));
        svg.Append(F($"<rect x=\"{x0 + Left}\" y=\"{y0 + Top}\" width=\"{plotWidth}\" height=\"{plotHeight}\" fill=\"none\" stroke=\"#333\"/>\n"));

        // Decade gridlines; every other label once the range passes ten decades, so labels never collide.
        var decades = plot.MaxDecade - plot.MinDecade;
        var step = decades > 10 ? 2 : 1;
        for (var d = plot.MinDecade; d <= plot.MaxDecade; d += step)
        {
            var y = Y(Math.Pow(10, d));
            svg.Append(F($"<line x1=\"{x0 + Left}\" y1=\"{y}\" x2=\"{x0 + Left + plotWidth}\" y2=\"{y}\" stroke=\"#ddd\"/>"));
            svg.Append(F($"<text x=\"{x0 + Left - 6}\" y=\"{y + 4}\" text-anchor=\"end\">1e{d}</text>\n"));
        }
        var xStep = Math.Max(1, (int)Math.Ceiling(panel.Points.Count / 10.0));
        for (var depth = 0; depth < panel.Points.Count; depth += xStep)
        {
            svg.Append(F($"<text x=\"{X(depth)}\" y=\"{y0 + Top + plotHeight + 14}\" text-anchor=\"middle\">{depth}</text>"));
        }
        svg.Append(F($"\n<text x=\"{x0 + Left + (plotWidth / 2)}\" y=\"{y0 + PanelHeight - 10}\" text-anchor=\"middle\">{ErrorDepthPlot.XLabel}</text>\n"));
        svg.Append(F($"<text transform=\"translate({x0 + 14},{y0 + Top + (plotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">{ErrorDepthPlot.YLabel}</text>\n"));

        if (panel.Points.Count > 0)
        {
            svg.Append(F($"<polyline class=\"torch32\" fill=\"none\" stroke=\"{Torch32Colour}\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\" points=\"{Points(panel, p => p.Torch32Error, X, Y)}\"/>\n"));
            svg.Append(F($"<polyline class=\"candidate\" fill=\"none\" stroke=\"{CandidateColour}\" stroke-width=\"1.5\" points=\"{Points(panel, p => p.CandidateError, X, Y)}\"/>\n"));
        }
        foreach (var p in panel.Points)
        {
            var (x, y) = (X(p.Depth), Y(p.CandidateError));
            var tip = Escape($"{p.Tap}: candidate {ReportFormat.Error(p.CandidateError)}, PyTorch float32 {ReportFormat.Error(p.Torch32Error)}, {ReportFormat.Verdict(p.Passed)}");
            svg.Append(F($"<circle cx=\"{x}\" cy=\"{y}\" r=\"{(p.Passed ? 2.5 : 3.5)}\" fill=\"{(p.Passed ? CandidateColour : FailColour)}\"><title>{tip}</title></circle>"));
            if (p.IsFirstDivergence)
            {
                svg.Append(F($"<circle class=\"first-divergence\" cx=\"{x}\" cy=\"{y}\" r=\"7\" fill=\"none\" stroke=\"{FailColour}\" stroke-width=\"1.5\"/>"));
            }
            svg.Append('\n');
        }
        svg.Append("</g>\n");
    }

    private static string Points(PlotPanel panel, Func<PlotPoint, double> value, Func<int, double> x, Func<double, double> y) =>
        string.Join(" ", panel.Points.Select(p => F($"{x(p.Depth)},{y(value(p))}")));

    // Coordinates to two decimals, invariant culture: the file is byte-identical wherever it is written.
    private static string F(FormattableString text) =>
        string.Format(CultureInfo.InvariantCulture, text.Format,
            text.GetArguments().Select(a => a is double d ? Math.Round(d, 2) : a).ToArray());

    internal static string Escape(string text) => System.Security.SecurityElement.Escape(text);
}
