using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.Model.Weights;

/// <summary>
/// Copies canonical tensors into a model: every name of the model present once, no name extra, every shape equal;
/// element types are converted to the model's. One tensor's bytes are in memory at a time.
/// </summary>
public static class StrictLoad
{
    public static void Into(nn.Module model, IReadOnlyList<MappedTensor> tensors, string path)
    {
        var targets = model.state_dict();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!seen.Add(t.Name))
            {
                throw new WeightsFormatException(path, $"'{t.Name}' appears twice");
            }
            if (!targets.TryGetValue(t.Name, out var target))
            {
                throw new WeightsFormatException(path, $"unexpected key '{t.Name}' (not in the model)");
            }
            if (!target.shape.SequenceEqual(t.Shape))
            {
                throw new WeightsFormatException(path,
                    $"'{t.Name}': shape {t.ShapeText} but the model has [{string.Join(", ", target.shape)}]");
            }
        }
        var missing = targets.Keys.Where(k => !seen.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            throw new WeightsFormatException(path,
                $"missing {missing.Count} key(s): {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}");
        }

        using var noGrad = no_grad();
        foreach (var t in tensors)
        {
            var target = targets[t.Name];
            if (target.dtype == t.DType.ToScalarType() && target.is_contiguous() && target.device_type == DeviceType.CPU)
            {
                // Same element type: the bytes go straight from the file into the parameter's storage.
                CopyInChunks(t.Bytes, target.bytes);
                continue;
            }
            using var source = empty([.. t.Shape], t.DType.ToScalarType());
            t.Bytes.CopyTo(source.bytes);
            target.copy_(source);
        }
    }

    /// <summary>Bytes read a chunk at a time where the source reads in ranges, so that what the source does with each
    /// chunk after reading it (the finite check) finds it in cache rather than a second pass over the whole tensor.</summary>
    private const int Chunk = 1 << 20;

    private static void CopyInChunks(TensorBytes bytes, Span<byte> destination)
    {
        if (!bytes.HasRanges)
        {
            bytes.CopyTo(destination);
            return;
        }
        for (var offset = 0; offset < destination.Length; offset += Chunk)
        {
            var part = destination.Slice(offset, Math.Min(Chunk, destination.Length - offset));
            bytes.CopyRange(offset, part);
        }
    }
}
