using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Verification;

/// <summary>
/// The taps and outputs a user asked to check (<c>--taps GLOB...</c> or <c>--taps-file</c>): a port that exposes
/// only some activations (block outputs, say) is judged on those, and every other tap is reported "not checked"
/// instead of failing as missing. Without a selection every tap is checked.
/// </summary>
public sealed class TapSelection
{
    private readonly List<TapGlob> _globs;

    public TapSelection(IEnumerable<string> globs)
    {
        _globs = globs.Select(g => g.Trim()).Where(g => g.Length > 0).Select(g => new TapGlob(g)).ToList();
        if (_globs.Count == 0)
        {
            throw new FormatException("a tap selection needs at least one glob");
        }
    }

    public IReadOnlyList<string> Patterns => _globs.Select(g => g.Pattern).ToList();

    public bool Includes(string name) => _globs.Any(g => g.IsMatch(name));

    /// <summary>The globs that match none of <paramref name="names"/> (a typo would otherwise check nothing).</summary>
    public IReadOnlyList<string> Unmatched(IEnumerable<string> names)
    {
        var all = names.ToList();
        return _globs.Where(g => !all.Any(g.IsMatch)).Select(g => g.Pattern).ToList();
    }

    /// <summary>A file of globs, one a line; blank lines and lines starting with '#' are skipped.</summary>
    public static IEnumerable<string> ReadFile(string path) =>
        File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));
}
