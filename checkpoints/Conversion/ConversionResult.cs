using ClipTools.Checkpoints.Layouts;
using ClipTools.Families.Official;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// A checked conversion, ready to write: the official tensors in the official state-dict order
/// (<see cref="ClipStateLayout.Expected"/>), each in its output dtype. Reading a tensor's bytes is where the values
/// are checked (NaN, Inf, overflow of the output dtype), one tensor at a time.
/// </summary>
public sealed class ConversionResult(Layout layout, ClipConfig config, IReadOnlyList<MappedTensor> tensors, ConversionSummary summary)
{
    public Layout Layout { get; } = layout;

    public ClipConfig Config { get; } = config;

    public IReadOnlyList<MappedTensor> Tensors { get; } = tensors;

    public ConversionSummary Summary { get; } = summary;
}
