using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Reports;

/// <summary>
/// One verification, complete: every renderer (terminal, Markdown, JSON, CSV, HTML, plot) draws from this object
/// and nothing else. <see cref="Modes"/> holds a chained run, an isolated run, or both (at most one of each).
/// </summary>
public sealed record VerificationReport
{
    /// <summary>Exit code when every tap and output of every mode passes.</summary>
    public const int ExitPass = 0;

    /// <summary>Exit code when some tap or output fails. (2, bad input, is the CLI's: no report exists then.)</summary>
    public const int ExitFail = 1;

    public VerificationReport(ReportSubject subject, JudgementRule rule, IReadOnlyList<ModeResults> modes)
    {
        if (modes.Count == 0)
        {
            throw new ArgumentException("a report needs at least one run");
        }
        if (modes.Select(m => m.Mode).Distinct().Count() != modes.Count)
        {
            throw new ArgumentException("a report holds at most one run per mode");
        }
        Subject = subject;
        Rule = rule;
        Modes = modes;
    }

    public ReportSubject Subject { get; }
    public JudgementRule Rule { get; }
    public IReadOnlyList<ModeResults> Modes { get; }

    public bool Passed => Modes.All(m => m.Passed);

    public int ExitCode => Passed ? ExitPass : ExitFail;

    public ModeResults? Mode(RunMode mode) => Modes.FirstOrDefault(m => m.Mode == mode);

    /// <summary>What the fixture lacks that the judgement would use (<c>Fixture.Lacks</c>: an old version's missing
    /// noise runs or isolated baseline), one line each; empty for a current fixture.</summary>
    public IReadOnlyList<string> FixtureLacks { get; init; } = [];
}
