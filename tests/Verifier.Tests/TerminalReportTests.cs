using ClipTools.Verifier.Reports;

namespace ClipTools.Verifier.Tests;

public class TerminalReportTests
{
    [Fact]
    public void PlainTableIsAlignedAndNamesTheFirstDivergence()
    {
        var text = TerminalReport.Render(SampleReports.Build(), colour: false);

        Assert.DoesNotContain("\u001b[", text, StringComparison.Ordinal);
        var lines = text.Split('\n');
        var header = lines.First(l => l.StartsWith("tap ", StringComparison.Ordinal));
        foreach (var column in new[] { "ratio", "rms err", "max abs", "cosine", "SQNR dB", "verdict" })
        {
            Assert.Contains(column, header, StringComparison.Ordinal);
        }
        // Right-aligned numeric columns end where their header ends.
        var ratioEnd = header.IndexOf("ratio", StringComparison.Ordinal) + "ratio".Length;
        var row = lines.First(l => l.StartsWith("visual.conv1 ", StringComparison.Ordinal));
        Assert.NotEqual(' ', row[ratioEnd - 1]);
        Assert.Equal(' ', row[ratioEnd]);

        Assert.Contains(lines, l => l.StartsWith(SampleReports.BrokenTap, StringComparison.Ordinal) && l.EndsWith("FAIL  <- first divergence", StringComparison.Ordinal));
        Assert.Contains($"first divergence: {SampleReports.BrokenTap}: RMS error", text, StringComparison.Ordinal);
        Assert.Contains("chained: FAIL", text, StringComparison.Ordinal);
        Assert.Contains("isolated: FAIL (1 of 12 failing", text, StringComparison.Ordinal);
        Assert.EndsWith("verdict: FAIL (exit 1)\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ColourIsAnsiOnlyWhenAskedFor()
    {
        var report = SampleReports.Build(broken: false);
        var coloured = TerminalReport.Render(report, colour: true);
        Assert.Contains("\u001b[32mpass", coloured, StringComparison.Ordinal);
        // Stripped of its escape codes the coloured table is the plain one: colour never shifts a column.
        var stripped = System.Text.RegularExpressions.Regex.Replace(coloured, "\u001b\\[[0-9;]*m", "");
        Assert.Equal(TerminalReport.Render(report, colour: false), stripped);
    }
}
