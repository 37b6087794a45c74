using System.Text.RegularExpressions;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// What a TorchScript archive's <c>code/</c> files say about each module class: which attributes are parameters
/// and buffers (<c>__parameters__ = [...]</c>, <c>__buffers__ = [...]</c>) and the order attributes are declared in.
/// Everything else (traced constants, plain tensor attributes) is not state.
/// </summary>
public sealed partial class TorchScriptCode
{
    public sealed record ClassInfo(string QualifiedName, IReadOnlyList<string> Parameters, IReadOnlyList<string> Buffers,
        IReadOnlyList<string> Attributes);

    private readonly Dictionary<string, ClassInfo> classes = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ClassInfo> Classes => classes;

    [GeneratedRegex(@"^class\s+([A-Za-z_][\w.]*)\s*\(")]
    private static partial Regex ClassLine();

    [GeneratedRegex(@"^\s+(__parameters__|__buffers__)\s*=\s*\[(.*)\]\s*$")]
    private static partial Regex ListLine();

    [GeneratedRegex(@"^\s+([A-Za-z_]\w*)\s*:\s*\S")]
    private static partial Regex AttributeLine();

    [GeneratedRegex("\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex QuotedName();

    /// <summary>Adds the classes of one code file; <paramref name="module"/> is its path as a dotted name.</summary>
    public void AddFile(string module, string source)
    {
        string? current = null;
        List<string> parameters = [], buffers = [], attributes = [];

        void Flush()
        {
            if (current is not null)
            {
                classes[module + "." + current] = new ClassInfo(module + "." + current, parameters, buffers, attributes);
            }
        }

        foreach (var line in source.Split('\n'))
        {
            var c = ClassLine().Match(line);
            if (c.Success)
            {
                Flush();
                current = c.Groups[1].Value;
                parameters = [];
                buffers = [];
                attributes = [];
                continue;
            }
            if (current is null || line.TrimStart().StartsWith("def ", StringComparison.Ordinal))
            {
                if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
                {
                    Flush();
                    current = null;
                }
                continue;
            }
            var l = ListLine().Match(line);
            if (l.Success)
            {
                var names = QuotedName().Matches(l.Groups[2].Value).Select(m => m.Groups[1].Value).ToList();
                (l.Groups[1].Value == "__parameters__" ? parameters : buffers).AddRange(names);
                continue;
            }
            var a = AttributeLine().Match(line);
            if (a.Success && line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("   ", StringComparison.Ordinal))
            {
                attributes.Add(a.Groups[1].Value);
            }
        }
        Flush();
    }
}
