using ClipTools.Checkpoints.Layouts;
using ClipTools.Checkpoints.Families;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// A checked conversion, ready to write: the family's canonical tensors in its state-dict order
/// (<see cref="IFamilySpec.ExpectedState"/>), each in its output dtype. Reading a tensor's bytes is where the values
/// are checked (NaN, Inf, overflow of the output dtype), one tensor at a time.
/// </summary>
public sealed class ConversionResult(Layout layout, IFamilySpec family, IModelConfig config, IReadOnlyList<MappedTensor> tensors, ConversionSummary summary)
{
    public Layout Layout { get; } = layout;

    public IFamilySpec Family { get; } = family;

    public IModelConfig Config { get; } = config;

    /// <summary>What converted weights carry besides the tensors: the family and what its shapes cannot tell.</summary>
    public IReadOnlyDictionary<string, string> Metadata =>
        new Dictionary<string, string>(Config.Metadata) { [ModelMetadata.Family] = Family.Name };

    public IReadOnlyList<MappedTensor> Tensors { get; } = tensors;

    public ConversionSummary Summary { get; } = summary;
}
