using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Families;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>How many tensors went from one dtype to another.</summary>
public sealed record DTypeChange(DType From, DType To, int Tensors)
{
    public override string ToString() => $"{From.Name()} -> {To.Name()}: {Tensors} tensors";
}

/// <summary>
/// What the summary line and <c>--json</c> report about a conversion, before any byte is written. The writer adds
/// the output's SHA-256.
/// </summary>
public sealed record ConversionSummary(
    string Format,
    string Layout,
    string Family,
    IModelConfig Config,
    string? Preset,
    string? WrapperKey,
    bool ModulePrefixStripped,
    int TensorCount,
    long Bytes,
    IReadOnlyList<DTypeChange> DTypeChanges,
    IReadOnlyList<IgnoredItem> Ignored,
    IReadOnlyList<string> Synthesized);
