namespace ClipTools.Verifier.Metrics;

/// <summary>
/// A tolerance for the taps whose names match a glob: <c>*</c> is any run of characters (dots included), <c>?</c>
/// one character, everything else literal; the whole name must match (<c>visual.layer1.*</c>, <c>*.mlp.gelu</c>).
/// </summary>
public sealed record ToleranceOverride(string Pattern, Tolerance Tolerance)
{
    public bool Matches(string tapName) => new TapGlob(Pattern).IsMatch(tapName);

    /// <summary>Parses <c>GLOB=ATOL,RTOL</c>, e.g. <c>visual.attnpool=1e-4,1e-3</c>.</summary>
    /// <exception cref="FormatException">No '=', an empty glob, or a bad tolerance.</exception>
    public static ToleranceOverride Parse(string text)
    {
        var split = text.LastIndexOf('=');
        if (split <= 0)
        {
            throw new FormatException($"tolerance override '{text}' is not GLOB=ATOL,RTOL");
        }
        return new ToleranceOverride(text[..split], Tolerance.Parse(text[(split + 1)..]));
    }

}
