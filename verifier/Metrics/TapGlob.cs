using System.Text.RegularExpressions;

namespace ClipTools.Verifier.Metrics;

/// <summary>
/// A glob over tap names: <c>*</c> is any run of characters (dots included), <c>?</c> one character, everything else
/// literal; the whole name must match (<c>visual.layer1.*</c>, <c>*.mlp.gelu</c>).
/// </summary>
public sealed class TapGlob(string pattern)
{
    private readonly Regex _regex = new(
        "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
        RegexOptions.CultureInvariant | RegexOptions.Singleline);

    public string Pattern { get; } = pattern;

    public bool IsMatch(string tapName) => _regex.IsMatch(tapName);
}
