using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Layouts;

/// <summary>
/// <c>torch.nn.DataParallel</c> / DDP save every name as <c>module.</c> + name. The prefix is stripped only when
/// every key has it: a prefix on some keys only is a file this tool cannot read with confidence.
/// </summary>
public static class ModulePrefix
{
    public const string Prefix = "module.";

    /// <summary>The entries without the prefix, and whether it was there. The caller's list is not changed.</summary>
    public static (IReadOnlyList<TensorEntry> Entries, bool Stripped) Strip(IReadOnlyList<TensorEntry> entries)
    {
        var with = entries.Count(e => e.Name.StartsWith(Prefix, StringComparison.Ordinal));
        if (with == 0)
        {
            return (entries, false);
        }
        if (with < entries.Count)
        {
            var without = entries.First(e => !e.Name.StartsWith(Prefix, StringComparison.Ordinal)).Name;
            var sample = entries.First(e => e.Name.StartsWith(Prefix, StringComparison.Ordinal)).Name;
            throw new CheckpointFormatException(
                FormatErrorKind.MixedLayouts, $"'{Prefix}' prefix on {with} of {entries.Count} keys (e.g. '{sample}' but not '{without}'); a DataParallel prefix must be on every key",
                new FormatPlace(Key: without));
        }
        return (entries.Select(e => new TensorEntry(e.Name[Prefix.Length..], e.DType, e.Shape, e.Bytes)).ToList(), true);
    }
}
