using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;
using ClipTools.Families;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// From what a reader found to the family's canonical tensors, checked: strip a <c>module.</c> prefix, detect the
/// layout (and so the family), map it to the canonical names, infer the config from the shapes and the metadata
/// (<see cref="CheckpointMetadata"/>), check names, shapes, dtypes and the <c>--model</c> preset, and plan each
/// tensor's output dtype. Throws <see cref="CheckpointFormatException"/> (one line, with the key) for every check
/// that stops a conversion; values are checked later, as each tensor's bytes are produced.
/// </summary>
public static class ConversionPipeline
{
    /// <summary>The layout the keys follow and so the family, without inferring the config (which may need metadata).</summary>
    public static (Layout Layout, IFamilySpec Family) Recognise(TensorSet input)
    {
        var (entries, _) = ModulePrefix.Strip(input.Tensors);
        var layout = LayoutDetector.Detect(entries.Select(e => e.Name).ToList());
        return (layout, FamilyRegistry.Of(layout));
    }

    /// <param name="input">what the reader found</param>
    /// <param name="options">what the user asked for</param>
    /// <param name="sourcePath">the checkpoint's path, so the files beside it (a Hugging Face <c>config.json</c>, a
    /// <c>.dat.json</c> sidecar) count; null to use only the file and the options</param>
    public static ConversionResult Run(TensorSet input, ConversionOptions options, string? sourcePath = null)
    {
        var (entries, stripped) = ModulePrefix.Strip(input.Tensors);
        var layout = LayoutDetector.Detect(entries.Select(e => e.Name).ToList());
        var family = FamilyRegistry.Of(layout);
        var metadata = CheckpointMetadata.Gather(input, sourcePath, options);
        if (metadata.TryGetValue(ModelMetadata.Family, out var named) && named != family.Name)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"the metadata says family '{named}' but the keys are {family.Name}'s ({layout.Name} layout)");
        }
        if (options.Metadata?.Keys.FirstOrDefault(k => !family.MetadataKeys.Contains(k)) is { } unknown)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"--meta {unknown}: not a metadata key of the {family.Name} family ({string.Join(", ", family.MetadataKeys)})");
        }
        metadata[ModelMetadata.Layout] = layout.Name;
        var mapping = LayoutMapper.ToCanonical(layout, entries);

        var config = CanonicalChecks.InferConfig(family, mapping.Tensors, metadata);
        var expected = family.ExpectedState(config);
        var extra = CanonicalChecks.CheckNamesAndShapes(expected, mapping.Tensors, mapping.Unmatched, config, options.AllowExtra);
        string? preset = family.Presets.FirstOrDefault(p => p.Value.Equals(config)).Key;
        if (options.Model is { } model)
        {
            if (!family.Presets.TryGetValue(model, out var wanted))
            {
                throw ConversionErrors.UnknownModel(model, family);
            }
            if (!wanted.Equals(config))
            {
                throw ConversionErrors.ModelMismatch(model, family.Differences(wanted, config));
            }
            preset = model;
        }

        var byName = mapping.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var output = new List<MappedTensor>();
        var changes = new Dictionary<(DType, DType), int>();
        foreach (var entry in expected)
        {
            var t = byName[entry.Name];
            CanonicalChecks.CheckDType(entry, t);
            var dtype = ValueChecks.OutputDTypeOf(t, options.DType);
            if (dtype != t.DType)
            {
                changes[(t.DType, dtype)] = changes.GetValueOrDefault((t.DType, dtype)) + 1;
            }
            output.Add(ValueChecks.CheckedAs(t, dtype));
        }

        var ignored = input.Ignored
            .Concat(mapping.Dropped)
            .Concat(extra.Select(k => new IgnoredItem(k, $"not in the {family.Name} layout (--allow-extra)")))
            .ToList();
        var summary = new ConversionSummary(
            input.Format.Name(),
            layout.Name,
            family.Name,
            config,
            preset,
            input.WrapperKey,
            stripped,
            output.Count,
            output.Sum(t => t.ByteCount),
            changes.Select(c => new DTypeChange(c.Key.Item1, c.Key.Item2, c.Value)).OrderBy(c => c.From).ThenBy(c => c.To).ToList(),
            ignored,
            output.Where(t => t.Rule == RuleKind.Synthesize).Select(t => t.Name).ToList());
        return new ConversionResult(layout, family, config, output, summary);
    }
}
