using System.CommandLine;
using ClipTools.Converter.Cli;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Commands;

/// <summary>The options every verifying command shares: how taps are judged and where reports go.</summary>
internal sealed class JudgementOptions(CliConvention cli)
{
    private readonly Option<string?> _tolerance = new("--tolerance")
    {
        Description = "judge by |candidate - reference| <= atol + rtol*|reference| instead of against PyTorch's own float32 error, e.g. 1e-5,1e-3",
    };

    private readonly Option<string[]> _override = new("--tolerance-for")
    {
        Description = "a tolerance for taps matching a glob, e.g. 'visual.layer4.*=1e-4,1e-3' (with --tolerance; first match wins)",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string[]> _taps = new("--taps")
    {
        Description = "check only the taps and outputs matching these globs (e.g. '*.resblocks.*' '*_features'); the others are reported 'not checked'",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<string?> _tapsFile = new("--taps-file") { Description = "a file of tap globs to check, one a line ('#' starts a comment)" };

    private readonly Option<string?> _report = new("--report") { Description = "write report.md, .json, .csv, .html and the error-vs-depth plot to this folder" };

    private readonly Option<bool> _noColor = new("--no-color") { Description = "no colour in the terminal table" };

    public void AddTo(Command command)
    {
        command.Options.Add(_tolerance);
        command.Options.Add(_override);
        command.Options.Add(_taps);
        command.Options.Add(_tapsFile);
        command.Options.Add(_report);
        command.Options.Add(_noColor);
    }

    public JudgementRule Rule(ParseResult parse)
    {
        var overrides = (parse.GetValue(_override) ?? []).Select(ToleranceOverride.Parse).ToList();
        if (parse.GetValue(_tolerance) is not { } tolerance)
        {
            return overrides.Count == 0
                ? new Torch32RatioRule()
                : throw new UsageException("--tolerance-for needs --tolerance (the default for other taps)");
        }
        return new ToleranceRule(Tolerance.Parse(tolerance), overrides);
    }

    /// <summary>
    /// The rule as it applies to <paramref name="fixture"/>: on a reference stored rounded to float32 the noise rule's
    /// floor gains the rounding's <see cref="Fixture.ReferenceRoundingUlps"/> (docs/fixture-format.md#storage).
    /// </summary>
    public static JudgementRule ForFixture(JudgementRule rule, Fixture fixture) =>
        rule is Torch32RatioRule ratio && fixture.ReferenceRoundingUlps > 0
            ? ratio with { FloorUlps = ratio.FloorUlps + fixture.ReferenceRoundingUlps }
            : rule;

    /// <summary>
    /// The user's tap selection (--taps, --taps-file), or null to check every tap (the default). A glob that matches
    /// no tap or output of the fixture is a usage error: a typo must not silently check nothing.
    /// </summary>
    public TapSelection? Selection(ParseResult parse, Fixture fixture)
    {
        var globs = (parse.GetValue(_taps) ?? []).ToList();
        if (parse.GetValue(_tapsFile) is { } file)
        {
            try
            {
                globs.AddRange(TapSelection.ReadFile(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"--taps-file {file}: {e.Message}");
            }
        }
        if (globs.Count == 0)
        {
            return parse.GetValue(_tapsFile) is null ? null : throw new UsageException("--taps-file lists no tap globs");
        }
        var selection = new TapSelection(globs);
        var unmatched = selection.Unmatched(InputTapJudge.Names(fixture).Concat(fixture.Taps.Select(t => t.Name)).Concat(fixture.Outputs));
        return unmatched.Count == 0
            ? selection
            : throw new UsageException($"--taps: {string.Join(", ", unmatched.Select(g => $"'{g}'"))} matches no tap or output of the fixture");
    }

    /// <summary>The output mode (summary, -q, -v, --json) the command was run with.</summary>
    public OutputMode Mode(ParseResult parse) => cli.Mode(parse);

    /// <summary>
    /// Prints the result (the short summary; the full tables with -v; the JSON report with --json; nothing with -q),
    /// writes the report files if asked, and returns the exit code (0 pass, 1 fail).
    /// </summary>
    public int Publish(ParseResult parse, VerificationReport report)
    {
        var output = parse.InvocationConfiguration.Output;
        var colour = !parse.GetValue(_noColor) && TerminalReport.ColourByDefault();
        var mode = cli.Mode(parse);
        switch (mode)
        {
            case OutputMode.Verbose:
                TerminalReport.Write(report, output, colour);
                break;
            case OutputMode.Summary:
                output.Write(TerminalSummary.Render(report, colour));
                break;
            case OutputMode.Json:
                output.WriteLine(JsonReport.Render(report));
                break;
        }
        if (parse.GetValue(_report) is { } directory)
        {
            var files = ReportWriter.WriteAll(report, directory);
            var html = files.FirstOrDefault(f => f.EndsWith(ReportWriter.Html, StringComparison.Ordinal)) ?? files[0];
            if (mode is OutputMode.Summary or OutputMode.Verbose)
            {
                output.WriteLine($"report: {Path.GetFullPath(html)} (and {files.Count - 1} more files in {Path.GetFullPath(directory)})");
            }
        }
        else if (mode is OutputMode.Summary && !report.Passed)
        {
            output.WriteLine("every tap: -v, or --report FOLDER for the full report");
        }
        return report.ExitCode;
    }
}
