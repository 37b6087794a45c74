using System.Globalization;

namespace ClipTools.Verifier.Metrics;

/// <summary>
/// The alternative rule: a tap passes when every element is within its tolerance (|c - r| &lt;= atol + rtol |r|).
/// The tolerance of a tap is that of the first override, in the order given, whose glob matches the tap's name,
/// else <see cref="Default"/> (Polygraphy's per-output tolerances with a default).
/// </summary>
public sealed record ToleranceRule(Tolerance Default, IReadOnlyList<ToleranceOverride> Overrides) : JudgementRule
{
    public ToleranceRule(Tolerance @default)
        : this(@default, [])
    {
    }

    public Tolerance For(string tapName) =>
        Overrides.FirstOrDefault(o => o.Matches(tapName))?.Tolerance ?? Default;

    public override string Describe()
    {
        var overrides = Overrides.Count == 0
            ? ""
            : "; overrides (first match wins): " + string.Join(", ", Overrides.Select(o => $"{o.Pattern} {o.Tolerance}"));
        return string.Create(CultureInfo.InvariantCulture, $"tolerance rule: every |c - r| <= atol + rtol |r|, default {Default}{overrides}");
    }
}
