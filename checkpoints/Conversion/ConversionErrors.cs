using ClipTools.Checkpoints.Formats;
using ClipTools.Families.Official;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// The checks that stop a conversion, each as one line naming the key. They are
/// <see cref="CheckpointFormatException"/>s, so the CLI reports them like a reader's errors (exit 2).
/// </summary>
public static class ConversionErrors
{
    public static CheckpointFormatException Missing(IReadOnlyList<string> keys) =>
        new($"missing key{Plural(keys)} {Sample(keys)} (the official layout of the inferred model has {(keys.Count == 1 ? "it" : "them")})",
            new FormatPlace(Key: keys[0]));

    public static CheckpointFormatException Unexpected(IReadOnlyList<string> keys) =>
        new($"unexpected key{Plural(keys)} {Sample(keys)} (not in the official layout; --allow-extra skips {(keys.Count == 1 ? "it" : "them")})",
            new FormatPlace(Key: keys[0]));

    public static CheckpointFormatException Shape(string key, IReadOnlyList<long> actual, IReadOnlyList<long> expected, ClipConfig config) =>
        new($"shape {Text(actual)} of '{key}' contradicts the inferred model, which needs {Text(expected)} ({config})",
            new FormatPlace(Key: key));

    public static CheckpointFormatException NotFloat(string key, DType dtype) =>
        new($"'{key}' is {dtype.Name()} where a float weight is expected", new FormatPlace(Key: key));

    public static CheckpointFormatException NotInteger(string key, DType dtype) =>
        new($"'{key}' is {dtype.Name()} where an integer count is expected", new FormatPlace(Key: key));

    public static CheckpointFormatException NonFinite(string key, long index, double value) =>
        new($"{(double.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf")} at element {index} of weight '{key}'", new FormatPlace(Key: key));

    public static CheckpointFormatException Overflow(string key, long index, double value, DType to) =>
        new($"element {index} of '{key}' ({value:R}) overflows {to.Name()}; use --dtype float32 or keep", new FormatPlace(Key: key));

    public static CheckpointFormatException CannotInfer(string why) =>
        new($"not a CLIP state dict: cannot infer the model from the shapes ({why})");

    public static CheckpointFormatException UnknownModel(string name) =>
        new($"unknown model '{name}' for --model (known: {string.Join(", ", ClipPresets.All.Keys)})");

    public static CheckpointFormatException ModelMismatch(string name, ClipConfig preset, ClipConfig inferred) =>
        new($"--model {name} does not match the checkpoint: {string.Join(", ", Differences(preset, inferred))}");

    /// <summary>Each field that differs, as <c>field preset-value vs checkpoint-value</c>.</summary>
    public static IEnumerable<string> Differences(ClipConfig preset, ClipConfig inferred)
    {
        (string Field, object Preset, object Inferred)[] fields =
        [
            ("vision", preset.IsResNet ? "ResNet" : "ViT", inferred.IsResNet ? "ResNet" : "ViT"),
            ("vision layers", string.Join(",", preset.VisionLayers), string.Join(",", inferred.VisionLayers)),
            ("vision width", preset.VisionWidth, inferred.VisionWidth),
            ("patch", preset.VisionPatchSize?.ToString() ?? "-", inferred.VisionPatchSize?.ToString() ?? "-"),
            ("resolution", preset.ImageResolution, inferred.ImageResolution),
            ("embed", preset.EmbedDim, inferred.EmbedDim),
            ("text width", preset.TransformerWidth, inferred.TransformerWidth),
            ("text heads", preset.TransformerHeads, inferred.TransformerHeads),
            ("text layers", preset.TransformerLayers, inferred.TransformerLayers),
            ("context", preset.ContextLength, inferred.ContextLength),
            ("vocab", preset.VocabSize, inferred.VocabSize),
        ];
        return fields.Where(f => !Equals(f.Preset.ToString(), f.Inferred.ToString()))
            .Select(f => $"{f.Field} {f.Preset} vs {f.Inferred}");
    }

    private static string Plural(IReadOnlyList<string> keys) => keys.Count == 1 ? "" : "s";

    private static string Sample(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(3).Select(k => $"'{k}'")) + (keys.Count > 3 ? $" and {keys.Count - 3} more" : "");

    private static string Text(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";
}
