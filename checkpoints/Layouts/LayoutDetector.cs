using ClipTools.Families;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Layouts;

/// <summary>
/// Tells the layout from the key set, never from the file name: each layout has signature names no other layout
/// uses. Keys of two layouts in one file are an error (a half-converted file), and so are keys of none.
/// </summary>
public static class LayoutDetector
{
    public static Layout Detect(IReadOnlyCollection<string> keys) => Detect(keys, FamilyRegistry.Layouts);

    public static Layout Detect(IReadOnlyCollection<string> keys, IReadOnlyList<Layout> layouts)
    {
        var found = new List<(Layout Layout, string Key)>();
        foreach (var layout in layouts)
        {
            var key = keys.FirstOrDefault(k => layout.SignatureOf(k) is not null);
            if (key is not null)
            {
                found.Add((layout, key));
            }
        }
        if (found.Count == 1)
        {
            return found[0].Layout;
        }
        if (found.Count > 1)
        {
            var parts = found.Select(f => $"'{f.Key}' is {f.Layout.Name}");
            throw new CheckpointFormatException(FormatErrorKind.MixedLayouts, $"two layouts mixed in one file: {string.Join(", ", parts)}",
                new FormatPlace(Key: found[1].Key));
        }
        var sample = keys.Take(3).Select(k => $"'{k}'").ToList();
        throw new CheckpointFormatException(
            FormatErrorKind.NotClip, $"not a CLIP checkpoint (no key of any known layout: {string.Join(", ", layouts.Select(l => l.Name))}; "
            + (sample.Count == 0 ? "the file has no tensors)" : $"keys are e.g. {string.Join(", ", sample)})"));
    }
}
