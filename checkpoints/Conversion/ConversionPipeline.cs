using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;
using ClipTools.Families.Official;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// From what a reader found to the official tensors, checked: strip a <c>module.</c> prefix, detect the layout,
/// map it to the official names, infer the config, check names, shapes, dtypes and the <c>--model</c> preset, and
/// plan each tensor's output dtype. Throws <see cref="CheckpointFormatException"/> (one line, with the key) for
/// every check that stops a conversion; values are checked later, as each tensor's bytes are produced.
/// </summary>
public static class ConversionPipeline
{
    public static ConversionResult Run(TensorSet input, ConversionOptions options)
    {
        var (entries, stripped) = ModulePrefix.Strip(input.Tensors);
        var layout = LayoutDetector.Detect(entries.Select(e => e.Name).ToList());
        var mapping = LayoutMapper.ToCanonical(layout, entries);

        var config = CanonicalChecks.InferConfig(mapping.Tensors);
        var extra = CanonicalChecks.CheckNamesAndShapes(mapping.Tensors, mapping.Unmatched, config, options.AllowExtra);
        string? preset = ClipPresets.All.FirstOrDefault(p => p.Value.Equals(config)).Key;
        if (options.Model is { } model)
        {
            if (!ClipPresets.All.TryGetValue(model, out var wanted))
            {
                throw ConversionErrors.UnknownModel(model);
            }
            if (!wanted.Equals(config))
            {
                throw ConversionErrors.ModelMismatch(model, wanted, config);
            }
            preset = model;
        }

        var byName = mapping.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var output = new List<MappedTensor>();
        var changes = new Dictionary<(DType, DType), int>();
        foreach (var entry in ClipStateLayout.Expected(config))
        {
            var t = byName[entry.Name];
            CanonicalChecks.CheckDType(t);
            var dtype = ValueChecks.OutputDTypeOf(t, options.DType);
            if (dtype != t.DType)
            {
                changes[(t.DType, dtype)] = changes.GetValueOrDefault((t.DType, dtype)) + 1;
            }
            output.Add(ValueChecks.CheckedAs(t, dtype));
        }

        var ignored = input.Ignored
            .Concat(mapping.Dropped)
            .Concat(extra.Select(k => new IgnoredItem(k, "not in the official layout (--allow-extra)")))
            .ToList();
        var summary = new ConversionSummary(
            input.Format.Name(),
            layout.Name,
            config,
            preset,
            input.WrapperKey,
            stripped,
            output.Count,
            output.Sum(t => t.ByteCount),
            changes.Select(c => new DTypeChange(c.Key.Item1, c.Key.Item2, c.Value)).OrderBy(c => c.From).ThenBy(c => c.To).ToList(),
            ignored,
            output.Where(t => t.Rule == RuleKind.Synthesize).Select(t => t.Name).ToList());
        return new ConversionResult(layout, config, output, summary);
    }
}
