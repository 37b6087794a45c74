using System.Text.Json;
using System.Xml.Linq;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Tests;

/// <summary>Every report file is written and well-formed, and says what the report object says.</summary>
public sealed class ReportWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"clip-verify-report-{Guid.NewGuid():N}");
    private readonly VerificationReport _report = SampleReports.Build();

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private string Written(string name) => File.ReadAllText(Path.Combine(_directory, name));

    [Fact]
    public void WriteAllWritesEveryFile()
    {
        var written = ReportWriter.WriteAll(_report, Path.Combine(_directory, "nested"));
        string[] expected = [ReportWriter.Markdown, ReportWriter.Json, ReportWriter.Csv, ReportWriter.Html, ReportWriter.Svg];
        Assert.Equal(expected, written.Take(5).Select(Path.GetFileName));
        Assert.All(written, path => Assert.True(new FileInfo(path).Length > 0, path));
        if (written.Count > 5)
        {
            // A PNG renderer is compiled in: the file starts with the PNG signature.
            Assert.Equal(ReportWriter.Png, Path.GetFileName(written[5]));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(written[5]).Take(4));
        }
        // No byte-order mark: tools that sniff the first bytes (JSON parsers, CSV readers) see the content.
        Assert.NotEqual(0xEF, File.ReadAllBytes(written[1])[0]);
    }

    [Fact]
    public void JsonFollowsTheDocumentedSchema()
    {
        ReportWriter.WriteAll(_report, _directory);
        using var doc = JsonDocument.Parse(Written(ReportWriter.Json));
        var root = doc.RootElement;

        Assert.Equal("clip-verify-report", root.GetProperty("format").GetString());
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal("fail", root.GetProperty("verdict").GetString());
        Assert.Equal(1, root.GetProperty("exit_code").GetInt32());
        Assert.Equal("tiny_rn.dat", root.GetProperty("subject").GetProperty("candidate").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("subject").GetProperty("checkpoint_sha256").ValueKind);
        Assert.Equal("ratio", root.GetProperty("rule").GetProperty("kind").GetString());
        Assert.Equal(2, root.GetProperty("rule").GetProperty("factor").GetDouble());

        var modes = root.GetProperty("modes").EnumerateArray().ToList();
        Assert.Equal(["chained", "isolated"], modes.Select(m => m.GetProperty("mode").GetString()));
        foreach (var mode in modes)
        {
            Assert.Equal(SampleReports.BrokenTap, mode.GetProperty("first_divergence").GetString());
            var taps = mode.GetProperty("taps").EnumerateArray().ToList();
            Assert.Equal(SampleReports.Taps.Select(t => t.Name), taps.Select(t => t.GetProperty("name").GetString()));
            Assert.Equal(SampleReports.Outputs, mode.GetProperty("outputs").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
            var tap = taps[0];
            Assert.Equal(0, tap.GetProperty("index").GetInt32());
            Assert.Equal([2, 3, 4], tap.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()));
            Assert.True(tap.GetProperty("ratio").GetDouble() > 0);
            var metrics = tap.GetProperty("metrics");
            foreach (var key in new[] { "max_abs_error", "mean_abs_error", "max_rel_error", "rms_error", "abs_error_p999", "cosine_similarity", "sqnr_db", "reference_rms" })
            {
                Assert.Equal(JsonValueKind.Number, metrics.GetProperty(key).ValueKind);
            }
            Assert.Equal(3, metrics.GetProperty("worst").GetProperty("index").GetArrayLength());
            Assert.Equal(JsonValueKind.Null, tap.GetProperty("tolerance").ValueKind);
        }

        // The values are the report's, to the last bit.
        var first = _report.Modes[0].Taps[0];
        Assert.Equal(first.Metrics!.RmsError, modes[0].GetProperty("taps")[0].GetProperty("metrics").GetProperty("rms_error").GetDouble());
    }

    [Fact]
    public void JsonWritesNonFiniteNumbersAsStrings()
    {
        var exact = new TapJudge(new Torch32RatioRule()).Judge("t", "image", [2], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0]);
        var broken = new TapJudge(new Torch32RatioRule()).Judge("u", "image", [2], [double.NaN, 2.0], [1.0, 2.0], [1.0, 2.0]);
        var mismatch = TapJudge.ShapeMismatch("v", "image", [2], [3]);
        var report = new VerificationReport(new ReportSubject("m", "f"), new Torch32RatioRule(),
            [new ModeResults(RunMode.Chained, [exact, broken, mismatch], [])]);

        using var doc = JsonDocument.Parse(JsonReport.Render(report));
        var taps = doc.RootElement.GetProperty("modes")[0].GetProperty("taps");
        Assert.Equal("Infinity", taps[0].GetProperty("metrics").GetProperty("sqnr_db").GetString());
        Assert.Equal("NaN", taps[1].GetProperty("metrics").GetProperty("cosine_similarity").GetString());
        Assert.Equal(1, taps[1].GetProperty("metrics").GetProperty("non_finite_count").GetInt32());
        Assert.Equal(JsonValueKind.Null, taps[2].GetProperty("metrics").ValueKind);
        Assert.Equal([3], taps[2].GetProperty("candidate_shape").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal("u", doc.RootElement.GetProperty("modes")[0].GetProperty("first_divergence").GetString());
    }

    [Fact]
    public void JsonDescribesTheToleranceRule()
    {
        var rule = new ToleranceRule(new Tolerance(1e-5, 1e-3), [ToleranceOverride.Parse("visual.*=1e-4,0")]);
        using var doc = JsonDocument.Parse(JsonReport.Render(SampleReports.Build(rule)));
        var json = doc.RootElement.GetProperty("rule");
        Assert.Equal("tolerance", json.GetProperty("kind").GetString());
        Assert.Equal(1e-3, json.GetProperty("default").GetProperty("rtol").GetDouble());
        Assert.Equal("visual.*", json.GetProperty("overrides")[0].GetProperty("pattern").GetString());
        var tap = doc.RootElement.GetProperty("modes")[0].GetProperty("taps")[0].GetProperty("tolerance");
        Assert.Equal(1e-4, tap.GetProperty("atol").GetDouble());
        Assert.Equal(JsonValueKind.Number, tap.GetProperty("minimum_atol").ValueKind);
    }

    [Fact]
    public void CsvHasOneRowPerTapAndOutputOfEveryMode()
    {
        ReportWriter.WriteAll(_report, _directory);
        var lines = Written(ReportWriter.Csv).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(string.Join(",", CsvReport.Columns), lines[0]);
        var rows = lines.Skip(1).Select(ParseCsvLine).ToList();
        Assert.Equal(2 * (SampleReports.Taps.Length + SampleReports.Outputs.Length), rows.Count);
        Assert.All(rows, r => Assert.Equal(CsvReport.Columns.Count, r.Count));
        var name = CsvReport.Columns.ToList().IndexOf("name");
        var verdict = CsvReport.Columns.ToList().IndexOf("verdict");
        var rms = CsvReport.Columns.ToList().IndexOf("rms_error");
        Assert.Equal(SampleReports.Taps.Select(t => t.Name), rows.Take(SampleReports.Taps.Length).Select(r => r[name]));
        Assert.Equal("fail", rows.Single(r => r[0] == "isolated" && r[name] == SampleReports.BrokenTap)[verdict]);
        Assert.Equal(_report.Modes[0].Taps[0].Metrics!.RmsError, double.Parse(rows[0][rms], System.Globalization.CultureInfo.InvariantCulture));
        // The failure reason holds commas, so it is quoted and still one cell.
        Assert.Contains(rows, r => r[^1].Contains("bound", StringComparison.Ordinal));
    }

    [Fact]
    public void HtmlEmbedsThePlotAndEveryTap()
    {
        ReportWriter.WriteAll(_report, _directory);
        var html = Written(ReportWriter.Html);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", html, StringComparison.Ordinal);
        Assert.Contains("First divergence: visual.layer1.0", html, StringComparison.Ordinal);
        Assert.All(SampleReports.Taps, t => Assert.Contains($"<code>{t.Name}</code>", html, StringComparison.Ordinal));
        // The page is also well-formed XML (no unclosed tags), which a browser-free test can check.
        var xhtml = html.Replace("<!DOCTYPE html>", "", StringComparison.Ordinal).Replace("<meta charset=\"utf-8\">", "<meta charset=\"utf-8\"/>", StringComparison.Ordinal);
        XDocument.Parse(xhtml);
    }

    [Fact]
    public void SvgIsXmlWithAPanelPerModeAndTower()
    {
        ReportWriter.WriteAll(_report, _directory);
        var svg = XDocument.Parse(Written(ReportWriter.Svg));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Root!.Name);

        var panels = svg.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "panel").ToList();
        Assert.Equal(
            ["chained/image", "chained/text", "isolated/image", "isolated/text"],
            panels.Select(p => $"{p.Attribute("data-mode")!.Value}/{p.Attribute("data-tower")!.Value}"));
        foreach (var panel in panels)
        {
            Assert.Single(panel.Elements(ns + "polyline"), p => (string?)p.Attribute("class") == "candidate");
            Assert.Single(panel.Elements(ns + "polyline"), p => (string?)p.Attribute("class") == "torch32");
        }
        // The first divergence is ringed in the image panels only.
        Assert.Equal(2, svg.Descendants(ns + "circle").Count(c => (string?)c.Attribute("class") == "first-divergence"));
        // Log scale: decade gridline labels.
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value.StartsWith("1e-", StringComparison.Ordinal));
    }

    [Fact]
    public void MarkdownHasATablePerMode()
    {
        ReportWriter.WriteAll(_report, _directory);
        var lines = Written(ReportWriter.Markdown).Split('\n');
        Assert.StartsWith("# CLIP verification: FAIL", lines[0], StringComparison.Ordinal);
        var headers = lines.Where(l => l.StartsWith("| # | tap |", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, headers.Count);
        var columns = headers[0].Count(c => c == '|');
        var rows = lines.Where(l => l.StartsWith("| ", StringComparison.Ordinal) && l.Contains('`')).ToList();
        Assert.Equal(2 * (SampleReports.Taps.Length + SampleReports.Outputs.Length), rows.Count);
        Assert.All(rows, r => Assert.Equal(columns, r.Count(c => c == '|')));
        Assert.Contains(lines, l => l.StartsWith("|---:|", StringComparison.Ordinal));
        Assert.Contains("```json", lines);
    }

    [Fact]
    public void RenderingIsDeterministic()
    {
        var again = SampleReports.Build();
        Assert.Equal(JsonReport.Render(_report), JsonReport.Render(again));
        Assert.Equal(ErrorDepthSvg.Render(ErrorDepthPlot.From(_report)), ErrorDepthSvg.Render(ErrorDepthPlot.From(again)));
    }

    /// <summary>RFC 4180, enough for one line: quoted cells with doubled quotes.</summary>
    private static List<string> ParseCsvLine(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { cell.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else { cell.Append(c); }
        }
        cells.Add(cell.ToString());
        return cells;
    }
}
