using System.Text.Json;
using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Reports;

namespace ClipTools.Verifier.Tests.Diagnosis;

/// <summary>The diagnosis and the fixture's gaps appear in every report format, and only where they apply.</summary>
public sealed class DiagnosisReportTests
{
    private const string Evidence = "visual.layer1.0.conv2.weight transposed: RMS error 3.1e-02 -> 2.0e-07";
    private const string Lacks = "no isolated baseline (fp32iso.*)";

    private static VerificationReport Diagnosed(bool broken = true)
    {
        var report = SampleReports.Build(broken: broken);
        var modes = report.Modes
            .Select(m => m.FirstDivergence is { } first ? m with { Diagnosis = new FaultDiagnosis(Causes.TransposedLinear, first.Name, Evidence, 1) } : m)
            .ToList();
        return new VerificationReport(report.Subject, report.Rule, modes) { FixtureLacks = [Lacks] };
    }

    [Fact]
    public void JsonHasADiagnosisPerFailingModeAndNullForAPassingOne()
    {
        using var failing = JsonDocument.Parse(JsonReport.Render(Diagnosed()));
        using var passing = JsonDocument.Parse(JsonReport.Render(Diagnosed(broken: false)));

        foreach (var mode in failing.RootElement.GetProperty("modes").EnumerateArray())
        {
            var diagnosis = mode.GetProperty("diagnosis");
            Assert.Equal("transposed-linear", diagnosis.GetProperty("cause").GetString());
            Assert.Equal(SampleReports.BrokenTap, diagnosis.GetProperty("tap").GetString());
            Assert.Equal(Evidence, diagnosis.GetProperty("evidence").GetString());
        }
        Assert.All(passing.RootElement.GetProperty("modes").EnumerateArray(),
            m => Assert.Equal(JsonValueKind.Null, m.GetProperty("diagnosis").ValueKind));
        Assert.Equal([Lacks], failing.RootElement.GetProperty("fixture_lacks").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public void AReportOfACurrentFixtureListsNothingLacking()
    {
        var report = SampleReports.Build();
        using var json = JsonDocument.Parse(JsonReport.Render(report));

        Assert.Equal(0, json.RootElement.GetProperty("fixture_lacks").GetArrayLength());
        Assert.DoesNotContain("fixture lacks", TerminalSummary.Render(report, colour: false));
        Assert.DoesNotContain("likely cause", TerminalSummary.Render(report, colour: false));
    }

    [Fact]
    public void TheTerminalSummaryAndTablesNameTheCauseUnderTheFirstDivergence()
    {
        foreach (var text in new[] { TerminalSummary.Render(Diagnosed(), colour: false), TerminalReport.Render(Diagnosed(), colour: false) })
        {
            var lines = text.Split('\n').ToList();
            var first = lines.FindIndex(l => l.Contains("first divergence: visual.layer1.0:", StringComparison.Ordinal));
            Assert.True(first >= 0, text);
            Assert.Equal($"likely cause: transposed-linear: {Evidence}", lines[first + 1].Trim());
            Assert.Contains($"fixture lacks: {Lacks}", lines);
        }
    }

    [Fact]
    public void MarkdownHtmlAndCsvCarryIt()
    {
        var report = Diagnosed();

        Assert.Contains($"Likely cause: **transposed-linear** at `visual.layer1.0`: {Evidence}", MarkdownReport.Render(report));
        Assert.Contains($"**Fixture:** fixture lacks: {Lacks}", MarkdownReport.Render(report));
        var html = HtmlReport.Render(report, ErrorDepthPlot.From(report));
        Assert.Contains("Likely cause: <b>transposed-linear</b> at <code>visual.layer1.0</code>: visual.layer1.0.conv2.weight transposed: RMS error 3.1e-02 -&gt; 2.0e-07", html);
        Assert.Contains("fixture lacks: no isolated baseline (fp32iso.*)", html);

        var lines = CsvReport.Render(report).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("likely_cause,cause_evidence", lines[0]);
        // One row per mode carries it: the first divergence's.
        var diagnosed = lines.Where(l => l.Contains($",transposed-linear,{Evidence},", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, diagnosed.Count);
        Assert.All(diagnosed, l => Assert.Contains($",tap,2,{SampleReports.BrokenTap},", l));
    }
}
