namespace ClipTools.Verifier.Metrics;

/// <summary>
/// What the tolerance rule found at one tap: the tolerance applied, how many elements fall outside it, and the
/// smallest tolerance that would have passed (as Polygraphy reports it), one knob at a time:
/// <see cref="MinimumAtol"/> = max(|c - r| - rtol |r|) with the rule's rtol kept, and
/// <see cref="MinimumRtol"/> = max((|c - r| - atol) / |r|) with its atol kept (+inf where r = 0 exceeds atol).
/// With atol = rtol = 0 they are the max absolute and the max relative error.
/// </summary>
public sealed record ToleranceOutcome(Tolerance Applied, long MismatchCount, double MinimumAtol, double MinimumRtol);
