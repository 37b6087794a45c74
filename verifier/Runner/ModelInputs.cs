using System.Runtime.InteropServices;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Families;
using ClipTools.Verifier.Fixtures;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Runner;

/// <summary>
/// User inputs for a model run, from an <c>.npz</c> or <c>.safetensors</c> file: <c>image</c> (float32, NCHW, already
/// normalised) and <c>text</c> (int64 token ids), also accepted under the fixture names <c>input.image</c>,
/// <c>input.text</c>. Everything that would make the model fail or mislead is refused with what and where.
/// </summary>
public static class ModelInputs
{
    /// <summary>The most images, and the most texts, one run takes unless --max-batch says otherwise.</summary>
    public const int DefaultMaxBatch = 64;

    /// <summary>
    /// Refuses inputs whose batch is over <paramref name="maxBatch"/> images or texts from their headers alone,
    /// before the model is loaded or a byte of them is read: a small compressed file can declare a batch that would
    /// take gigabytes to run.
    /// </summary>
    public static void CheckBatch(string path, int maxBatch)
    {
        using var file = Open(path);
        foreach (var input in new[] { Find(file, path, "image"), Find(file, path, "text") })
        {
            if (input.Shape.Count > 0 && input.Shape[0] > maxBatch)
            {
                throw new CheckpointFormatException(FormatErrorKind.LimitExceeded,
                    $"{path}: '{input.Name}' holds a batch of {input.Shape[0]}, over the cap of {maxBatch} per run (--max-batch raises it)",
                    new FormatPlace(Key: input.Name));
            }
        }
    }

    public static (Tensor Image, Tensor Text) Read(string path, IModelConfig config)
    {
        using var file = Open(path);
        var image = Find(file, path, "image");
        var text = Find(file, path, "text");
        var (r, c) = (config.ImageResolution, config.ImageChannels);
        if (image.DType != DType.Float32 || image.Shape.Count != 4 || image.Shape[1] != c || image.Shape[2] != r || image.Shape[3] != r)
        {
            throw new FormatException($"{path}: '{image.Name}' is {image.DType.Name()} {image.ShapeText}; the model takes float32 [N, {c}, {r}, {r}]");
        }
        if (text.DType != DType.Int64 || text.Shape.Count != 2 || text.Shape[1] != config.ContextLength)
        {
            throw new FormatException($"{path}: '{text.Name}' is {text.DType.Name()} {text.ShapeText}; the model takes int64 [T, {config.ContextLength}]");
        }
        var pixels = MemoryMarshal.Cast<byte, float>(image.ReadBytes()).ToArray();
        var bad = Array.FindIndex(pixels, v => !float.IsFinite(v));
        if (bad >= 0)
        {
            throw new FormatException($"{path}: '{image.Name}' has {pixels[bad]} at flat index {bad}");
        }
        var ids = MemoryMarshal.Cast<byte, long>(text.ReadBytes()).ToArray();
        var outside = Array.FindIndex(ids, id => id < 0 || id >= config.VocabSize);
        if (outside >= 0)
        {
            throw new FormatException($"{path}: '{text.Name}' has token id {ids[outside]} at flat index {outside}, outside the vocabulary of {config.VocabSize}");
        }
        return (tensor(pixels, [.. image.Shape]), tensor(ids, [.. text.Shape]));
    }

    private static TensorSet Open(string path)
    {
        var file = TensorFile.Open(path);
        if (file.Format is not (CheckpointFormat.Npz or CheckpointFormat.Safetensors))
        {
            file.Dispose();
            throw new FormatException($"{path}: inputs must be .npz or .safetensors, not {file.Format.Name()}");
        }
        return file;
    }

    private static TensorEntry Find(TensorSet file, string path, string name) =>
        file.Tensors.FirstOrDefault(t => t.Name == name)
        ?? file.Tensors.FirstOrDefault(t => t.Name == $"input.{name}")
        ?? throw new FormatException($"{path}: no '{name}' (or 'input.{name}') tensor; found: {string.Join(", ", file.Tensors.Select(t => t.Name).Take(8))}");
}
