namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// <c>--meta KEY=VALUE</c> (repeatable): metadata the shapes cannot tell, given on the command line, for the family's
/// <c>InferConfig</c> (e.g. the tutorial family's <c>num_heads=12</c>, the official <c>vision_heads=16</c>). Shared by
/// clip-convert, clip-verify and clip-run.
/// </summary>
public static class MetaArguments
{
    public const string OptionName = "--meta";

    public const string Description =
        "KEY=VALUE, repeatable: what the weights' shapes cannot tell, e.g. vision_heads=16 or transformer_heads=8 "
        + "(official), num_heads=12 and text_num_heads=12 (tutorial); disagreeing with the checkpoint's own metadata is an error";

    /// <summary>The pairs as a dictionary; throws <see cref="ArgumentException"/> (one line) for a malformed pair or
    /// a key given twice with different values.</summary>
    public static IReadOnlyDictionary<string, string>? Parse(IEnumerable<string>? items)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            var at = item.IndexOf('=', StringComparison.Ordinal);
            var key = at > 0 ? item[..at].Trim() : "";
            var value = at > 0 ? item[(at + 1)..].Trim() : "";
            if (key.Length == 0 || value.Length == 0)
            {
                throw new ArgumentException($"{OptionName} '{item}': expected KEY=VALUE");
            }
            if (result.TryGetValue(key, out var known) && known != value)
            {
                throw new ArgumentException($"{OptionName} {key} given twice: '{known}' and '{value}'");
            }
            result[key] = value;
        }
        return result.Count == 0 ? null : result;
    }
}
