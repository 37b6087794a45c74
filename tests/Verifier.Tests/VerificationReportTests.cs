using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Tests;

public class VerificationReportTests
{
    [Fact]
    public void FirstDivergenceIsTheFirstFailingTapInEachMode()
    {
        var report = SampleReports.Build();

        var chained = report.Mode(RunMode.Chained)!;
        var isolated = report.Mode(RunMode.Isolated)!;
        Assert.Equal(SampleReports.BrokenTap, chained.FirstDivergence!.Name);
        Assert.Equal(SampleReports.BrokenTap, isolated.FirstDivergence!.Name);
        Assert.Equal(2, chained.FirstDivergenceIndex);
        // Chained, the error carries on through the image tower and into the outputs; isolated, it stays put.
        Assert.Equal(3 + 3, chained.FailedCount);
        Assert.Equal(1, isolated.FailedCount);
        Assert.False(report.Passed);
        Assert.Equal(VerificationReport.ExitFail, report.ExitCode);
    }

    [Fact]
    public void AllPassingExitsZero()
    {
        var report = SampleReports.Build(broken: false);
        Assert.True(report.Passed);
        Assert.Equal(0, report.ExitCode);
        Assert.All(report.Modes, m => Assert.Null(m.FirstDivergence));
        Assert.All(report.Modes, m => Assert.Equal(-1, m.FirstDivergenceIndex));
    }

    [Fact]
    public void AFailingOutputAloneIsTheDivergenceWhenEveryTapPasses()
    {
        var passing = SampleReports.Build(broken: false, bothModes: false).Modes[0];
        var badOutput = TapJudge.ShapeMismatch("logits_per_image", "output", [2, 3], [3, 2]);
        var mode = passing with { Outputs = [passing.Outputs[0], badOutput] };
        Assert.Same(badOutput, mode.FirstDivergence);
        Assert.Equal(-1, mode.FirstDivergenceIndex);
        Assert.False(mode.Passed);
    }

    [Fact]
    public void AReportHoldsAtMostOneRunPerModeAndAtLeastOne()
    {
        var chained = SampleReports.Build(bothModes: false).Modes[0];
        var subject = new ReportSubject("m", "f");
        Assert.Throws<ArgumentException>(() => new VerificationReport(subject, new Torch32RatioRule(), [chained, chained]));
        Assert.Throws<ArgumentException>(() => new VerificationReport(subject, new Torch32RatioRule(), []));
        Assert.Null(new VerificationReport(subject, new Torch32RatioRule(), [chained]).Mode(RunMode.Isolated));
    }
}
