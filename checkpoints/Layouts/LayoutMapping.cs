using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Layouts;

/// <summary>
/// What applying a layout's table gave: the mapped tensors (in the order their first source appeared), the sources
/// dropped by a rule, and the sources no rule matched.
/// </summary>
public sealed record LayoutMapping(
    Layout Layout,
    IReadOnlyList<MappedTensor> Tensors,
    IReadOnlyList<IgnoredItem> Dropped,
    IReadOnlyList<string> Unmatched);
