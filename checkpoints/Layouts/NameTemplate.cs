using System.Text.RegularExpressions;

namespace ClipTools.Checkpoints.Layouts;

/// <summary>
/// A tensor name with placeholders, such as <c>transformer.resblocks.{bid}.ln_1.{wb}</c>. Compiled once into a
/// regex, so a table need not know a model's depth: <c>{bid}</c> stands for any block index.
/// </summary>
public sealed partial class NameTemplate
{
    /// <summary>Every placeholder a table may use, and what it stands for (docs/layouts.md lists the same).</summary>
    public static IReadOnlyDictionary<string, string> Placeholders { get; } = new Dictionary<string, string>
    {
        ["bid"] = "[0-9]+",       // a block index: resblocks.{bid}, encoder.layers.{bid}
        ["wb"] = "weight|bias",   // either parameter of a LayerNorm or Linear
        ["module"] = ".+",        // any module path, before a fixed suffix such as ._mean
        ["key"] = ".+",           // any whole name: the "unchanged" rule at the end of a table
    };

    private readonly Regex regex;

    public NameTemplate(string text)
    {
        Text = text;
        var names = new List<string>();
        var pattern = PlaceholderRegex().Replace(Regex.Escape(text).Replace(@"\{", "{"), m =>
        {
            var name = m.Groups[1].Value;
            if (!Placeholders.TryGetValue(name, out var body))
            {
                throw new ArgumentException($"unknown placeholder {{{name}}} in '{text}'");
            }
            if (names.Contains(name))
            {
                return $@"\k<{name}>";
            }
            names.Add(name);
            return $"(?<{name}>{body})";
        });
        regex = new Regex("^" + pattern + "$", RegexOptions.CultureInvariant);
        Names = names;
    }

    public string Text { get; }

    /// <summary>The placeholders this template binds, in order of first use.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The placeholder values when <paramref name="name"/> fits the template, else null.</summary>
    public IReadOnlyDictionary<string, string>? Match(string name)
    {
        var m = regex.Match(name);
        return m.Success ? Names.ToDictionary(n => n, n => m.Groups[n].Value) : null;
    }

    /// <summary>The name this template gives for the placeholder values (all must be bound).</summary>
    public string Fill(IReadOnlyDictionary<string, string> values) =>
        PlaceholderRegex().Replace(Text, m => values.TryGetValue(m.Groups[1].Value, out var v)
            ? v
            : throw new ArgumentException($"placeholder {m.Value} of '{Text}' is not bound"));

    public override string ToString() => Text;

    [GeneratedRegex(@"\{([a-z]+)\}")]
    private static partial Regex PlaceholderRegex();
}
