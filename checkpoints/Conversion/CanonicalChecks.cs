using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// The checks on names, shapes and dtypes of the mapped tensors against the family's state dict for the inferred
/// config. Nothing here reads bytes.
/// </summary>
public static class CanonicalChecks
{
    public static IModelConfig InferConfig(IFamilySpec family, IReadOnlyList<MappedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var shapes = tensors.ToDictionary(t => t.Name, t => t.Shape.ToArray(), StringComparer.Ordinal);
        try
        {
            return family.InferConfig(shapes, metadata);
        }
        catch (CheckpointFormatException)
        {
            throw;
        }
        catch (FormatException e)
        {
            // "not a CLIP state dict: no 'X'": a key the canonical layout always has.
            var key = e.Message.Split('\'') is { Length: >= 3 } parts ? parts[1] : null;
            throw key is null ? ConversionErrors.CannotInfer(e.Message) : ConversionErrors.Missing([key]);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or OverflowException or DivideByZeroException)
        {
            throw ConversionErrors.CannotInfer(e.Message);
        }
    }

    /// <summary>
    /// Missing keys, then unexpected ones (returned, not thrown, when <paramref name="allowExtra"/>), then shapes.
    /// </summary>
    public static IReadOnlyList<string> CheckNamesAndShapes(IReadOnlyList<StateEntry> expected, IReadOnlyList<MappedTensor> tensors,
        IReadOnlyList<string> unmatched, IModelConfig config, bool allowExtra)
    {
        var byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var missing = expected.Where(e => !byName.ContainsKey(e.Name)).Select(e => e.Name).ToList();
        if (missing.Count > 0)
        {
            throw ConversionErrors.Missing(missing);
        }
        var expectedNames = expected.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var extra = unmatched.Concat(tensors.Where(t => !expectedNames.Contains(t.Name)).SelectMany(ExtraSourceNames)).ToList();
        if (extra.Count > 0 && !allowExtra)
        {
            throw ConversionErrors.Unexpected(extra);
        }
        foreach (var e in expected)
        {
            var t = byName[e.Name];
            if (!t.Shape.SequenceEqual(e.Shape))
            {
                throw ConversionErrors.Shape(e.Name, t.Shape, e.Shape, config);
            }
        }
        return extra;
    }

    /// <summary>An integer counter must hold integers; every other entry is a float weight.</summary>
    public static void CheckDType(StateEntry expected, MappedTensor t)
    {
        if (expected.Integer)
        {
            if (t.DType.IsFloat())
            {
                throw ConversionErrors.NotInteger(t.Name, t.DType);
            }
        }
        else if (!t.DType.IsFloat())
        {
            throw ConversionErrors.NotFloat(t.Name, t.DType);
        }
    }

    // An extra tensor is reported by the name the file gave it (a synthesized one has none and is not extra).
    private static IEnumerable<string> ExtraSourceNames(MappedTensor t) => t.Sources.Count > 0 ? t.Sources : [t.Name];
}
