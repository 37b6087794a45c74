namespace ClipTools.Verifier.Metrics;

/// <summary>How <see cref="TapJudge"/> decides that a tap passes: <see cref="Torch32RatioRule"/> (the default) or
/// <see cref="ToleranceRule"/>.</summary>
public abstract record JudgementRule
{
    /// <summary>One line saying what the rule is, for the head of every report.</summary>
    public abstract string Describe();
}
