using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Formats;
using ClipTools.Families.Official;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.Model.Weights;

/// <summary>
/// Loads and saves CLIP weights in TorchSharp's <c>.dat</c> format. Loading is strict (every name present, no name
/// extra, every shape equal) and converts element types, so float16 or float32 files fit a float32 or float16 model.
/// </summary>
public static class ClipWeights
{
    /// <summary>The model a file describes (any format <see cref="ClipModel.Load"/> reads), in <paramref name="dtype"/>.</summary>
    public static Clip LoadModel(string path, ScalarType dtype = ScalarType.Float32)
    {
        var model = ClipModel.Load(path, new ClipModelOptions(dtype));
        return model as Clip ?? throw WrongFamily(model, path);
    }

    private static WeightsFormatException WrongFamily(IDualEncoder model, string path)
    {
        var family = model.Config.Family;
        model.Dispose();
        return new WeightsFormatException(path, $"is a {family} model, not OpenAI's CLIP");
    }

    public static void Load(nn.Module model, string path) => Load(model, path, DatFile.ReadIndex(path));

    /// <summary>
    /// Writes exactly what TorchSharp's <c>Module.save</c> writes, and beside it the <c>.dat.json</c> sidecar with the
    /// family and what the shapes cannot tell, so the file loads again on its own.
    /// </summary>
    public static void Save(IDualEncoder model, string path)
    {
        model.Module.save(path);
        CheckpointMetadata.WriteSidecar(path, new Dictionary<string, string>(model.Config.Metadata) { [ModelMetadata.Family] = model.Config.Family });
    }

    private static void Load(nn.Module model, string path, IReadOnlyList<DatEntry> index)
    {
        var targets = model.state_dict();
        var seen = new HashSet<string>();
        foreach (var entry in index)
        {
            if (!seen.Add(entry.Name))
            {
                throw new WeightsFormatException(path, $"'{entry.Name}' appears twice");
            }
            if (!targets.TryGetValue(entry.Name, out var target))
            {
                throw new WeightsFormatException(path, $"unexpected key '{entry.Name}' (not in the model)");
            }
            if (!target.shape.SequenceEqual(entry.Shape))
            {
                throw new WeightsFormatException(path,
                    $"'{entry.Name}': shape [{string.Join(", ", entry.Shape)}] but the model has [{string.Join(", ", target.shape)}]");
            }
        }
        var missing = targets.Keys.Where(k => !seen.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            throw new WeightsFormatException(path,
                $"missing {missing.Count} key(s): {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}");
        }

        using var noGrad = no_grad();
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        foreach (var entry in index)
        {
            var target = targets[entry.Name];
            if (target.dtype == entry.DType.ToScalarType() && target.is_contiguous() && target.device_type == DeviceType.CPU
                && entry.ByteLength <= int.MaxValue)
            {
                // The file's bytes go straight into the parameter's own storage: no buffer, no temporary tensor.
                ReadExactly(file, path, entry, target.bytes);
            }
            else
            {
                using var source = ReadTensor(path, entry);
                target.copy_(source);
            }
        }
    }

    private static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle file, string path, DatEntry entry, Span<byte> destination)
    {
        if (destination.Length != entry.ByteLength)
        {
            throw new InvalidOperationException($"'{entry.Name}': the parameter holds {destination.Length} bytes, the file {entry.ByteLength}");
        }
        var offset = entry.Offset;
        while (!destination.IsEmpty)
        {
            var n = RandomAccess.Read(file, destination, offset);
            if (n <= 0)
            {
                throw new WeightsFormatException(path, $"'{entry.Name}': the file ends inside the tensor");
            }
            destination = destination[n..];
            offset += n;
        }
    }

    /// <summary>Reads one entry's bytes into a new CPU tensor of the entry's own element type.</summary>
    public static Tensor ReadTensor(string path, DatEntry entry)
    {
        var data = new byte[entry.ByteLength];
        using (var stream = File.OpenRead(path))
        {
            stream.Seek(entry.Offset, SeekOrigin.Begin);
            stream.ReadExactly(data);
        }
        var tensor = empty(entry.Shape, entry.DType.ToScalarType());
        tensor.bytes = data;
        return tensor;
    }
}
