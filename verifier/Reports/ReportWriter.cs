using System.Text;

namespace ClipTools.Verifier.Reports;

/// <summary>
/// Writes every report file for <c>--report DIR</c>: report.md, report.json, report.csv, report.html and
/// error-vs-depth.svg (plus error-vs-depth.png where a raster renderer is compiled in, see <see cref="WritePng"/>).
/// Files are UTF-8 without a byte-order mark; the directory is created if missing.
/// </summary>
public static partial class ReportWriter
{
    public const string Markdown = "report.md";
    public const string Json = "report.json";
    public const string Csv = "report.csv";
    public const string Html = "report.html";
    public const string Svg = "error-vs-depth.svg";
    public const string Png = "error-vs-depth.png";

    /// <returns>The full paths written, in the order above.</returns>
    public static IReadOnlyList<string> WriteAll(VerificationReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var plot = ErrorDepthPlot.From(report);
        var written = new List<string>();
        void Write(string name, string text)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            written.Add(path);
        }
        Write(Markdown, MarkdownReport.Render(report));
        Write(Json, JsonReport.Render(report));
        Write(Csv, CsvReport.Render(report));
        Write(Html, HtmlReport.Render(report, plot));
        Write(Svg, ErrorDepthSvg.Render(plot));

        var pngPath = Path.Combine(directory, Png);
        var pngWritten = false;
        WritePng(plot, pngPath, ref pngWritten);
        if (pngWritten)
        {
            written.Add(pngPath);
        }
        return written;
    }

    /// <summary>
    /// The PNG is optional: rasterising needs a native graphics library (ScottPlot over SkiaSharp), which the
    /// verifier takes on only by adding ErrorDepthPng.cs, which implements this method, with its package. Without
    /// that file the call compiles away and only the SVG is written.
    /// </summary>
    static partial void WritePng(ErrorDepthPlot plot, string path, ref bool written);
}
