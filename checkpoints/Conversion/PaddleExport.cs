using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;
using ClipTools.Checkpoints.Families;
using ClipTools.Families.Official;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// The Paddle port's view of a converted model, for the <c>.pdparams</c> writer: tensors under the port's
/// structured names and shapes, in the port's state-dict order, and the <c>StructuredToParameterName@@</c> table.
/// </summary>
public sealed record PaddleExport(
    IReadOnlyList<MappedTensor> Tensors,
    IReadOnlyList<PaddleParameterName> NameTable,
    IReadOnlyList<IgnoredItem> Omitted)
{
    /// <summary>The official tensors (a <see cref="ConversionResult"/>'s, any dtype) mapped to the Paddle layout.</summary>
    public static PaddleExport FromCanonical(IReadOnlyList<MappedTensor> canonical, IModelConfig model)
    {
        // The port is OpenAI's CLIP with QuickGELU and build_model's heads (width / 64): nothing else would run in it.
        if (model is not ClipConfig { Activation: ClipActivation.QuickGelu } config
            || config.VisionHeads != ClipConfig.DefaultHeads(config.VisionAttentionWidth)
            || config.TransformerHeads != ClipConfig.DefaultHeads(config.TransformerWidth))
        {
            throw new CheckpointFormatException(FormatErrorKind.Unsupported, $"the Paddle port runs only OpenAI's CLIP with QuickGELU and one head per 64 channels, not {model.Family} ({model})");
        }
        var mapping = LayoutMapper.FromCanonical(PaddleLayout.Layout, canonical);
        if (mapping.Unmatched.Count > 0)
        {
            throw new InvalidOperationException($"no Paddle name for '{mapping.Unmatched[0]}'");
        }
        var table = PaddleParameterNames.For(config);
        var byName = mapping.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var missing = table.FirstOrDefault(r => !byName.ContainsKey(r.StructuredName));
        if (missing is not null || table.Count != byName.Count)
        {
            // The canonical list comes from a checked conversion, so this is a bug, not bad input.
            throw new InvalidOperationException(
                $"Paddle tensors ({byName.Count}) and name table ({table.Count}) disagree" + (missing is null ? "" : $" at '{missing.StructuredName}'"));
        }
        return new PaddleExport(table.Select(r => byName[r.StructuredName]).ToList(), table, mapping.Dropped);
    }
}
