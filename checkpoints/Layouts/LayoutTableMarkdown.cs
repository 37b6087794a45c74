using System.Text;

namespace ClipTools.Checkpoints.Layouts;

/// <summary>
/// A layout's table as Markdown, row for row as the engine applies it. docs/layouts.md holds these tables verbatim
/// and a test keeps them equal, so the doc cannot drift from the code.
/// </summary>
public static class LayoutTableMarkdown
{
    public static string Render(Layout layout)
    {
        var sb = new StringBuilder();
        sb.Append("| official name | ").Append(layout.Name).Append(" name | rule | where it comes from |\n");
        sb.Append("|---|---|---|---|\n");
        foreach (var rule in layout.Rules)
        {
            var official = rule.Canonical is null ? "-" : Code(rule.Canonical.Text);
            var sources = rule.Kind == RuleKind.Synthesize
                ? "(none; made where " + Code(rule.Sources[0].Text) + " is)"
                : string.Join(" + ", rule.Sources.Select(s => Code(s.Text)));
            sb.Append("| ").Append(official).Append(" | ").Append(sources).Append(" | ").Append(Describe(rule))
                .Append(" | ").Append(rule.Why.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
        }
        return sb.ToString();
    }

    private static string Describe(LayoutRule rule) => rule.Kind switch
    {
        RuleKind.Rename => "rename",
        RuleKind.Transpose => "transpose",
        RuleKind.Concat => "concat dim 0",
        RuleKind.TransposeConcat => "transpose each, concat dim 0",
        RuleKind.Reshape => $"reshape {Shape(rule.SourceShape!)} to {Shape(rule.CanonicalShape!)}",
        RuleKind.Synthesize => "synthesize int64 0",
        RuleKind.Drop => "drop",
        _ => rule.Kind.ToString(),
    };

    private static string Shape(IReadOnlyList<long> shape) => "`[" + string.Join(", ", shape) + "]`";

    private static string Code(string text) => "`" + text + "`";
}
