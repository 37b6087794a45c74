using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Families;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// The checks that stop a conversion, each as one line naming the key. They are
/// <see cref="CheckpointFormatException"/>s with their own <see cref="FormatErrorKind"/>, so the CLI reports them
/// like a reader's errors (exit 2).
/// </summary>
public static class ConversionErrors
{
    public static CheckpointFormatException Missing(IReadOnlyList<string> keys) =>
        new(FormatErrorKind.MissingKey, $"missing key{Plural(keys)} {Sample(keys)} (the canonical layout of the inferred model has {(keys.Count == 1 ? "it" : "them")})",
            new FormatPlace(Key: keys[0]));

    public static CheckpointFormatException Unexpected(IReadOnlyList<string> keys) =>
        new(FormatErrorKind.UnexpectedKey, $"unexpected key{Plural(keys)} {Sample(keys)} (not in the canonical layout; --allow-extra skips {(keys.Count == 1 ? "it" : "them")})",
            new FormatPlace(Key: keys[0]));

    public static CheckpointFormatException Shape(string key, IReadOnlyList<long> actual, IReadOnlyList<long> expected, IModelConfig config) =>
        new(FormatErrorKind.ShapeMismatch, $"shape {Text(actual)} of '{key}' contradicts the inferred model, which needs {Text(expected)} ({config})",
            new FormatPlace(Key: key));

    public static CheckpointFormatException NotFloat(string key, DType dtype) =>
        new(FormatErrorKind.DTypeMismatch, $"'{key}' is {dtype.Name()} where a float weight is expected", new FormatPlace(Key: key));

    public static CheckpointFormatException NotInteger(string key, DType dtype) =>
        new(FormatErrorKind.DTypeMismatch, $"'{key}' is {dtype.Name()} where an integer count is expected", new FormatPlace(Key: key));

    public static CheckpointFormatException NonFinite(string key, long index, double value) =>
        new(FormatErrorKind.NonFinite, $"{(double.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf")} at element {index} of weight '{key}'", new FormatPlace(Key: key));

    public static CheckpointFormatException Overflow(string key, long index, double value, DType to) =>
        new(FormatErrorKind.ValueOverflow, $"element {index} of '{key}' ({value:R}) overflows {to.Name()}; use --dtype float32 or keep", new FormatPlace(Key: key));

    public static CheckpointFormatException CannotInfer(string why) =>
        new(FormatErrorKind.NotClip, $"not a CLIP state dict: cannot infer the model from the shapes ({why})");

    public static CheckpointFormatException UnknownModel(string name, IFamilySpec family) =>
        new(FormatErrorKind.UnknownModel, $"unknown model '{name}' for --model (known: {string.Join(", ", family.Presets.Keys)})");

    public static CheckpointFormatException ModelMismatch(string name, IEnumerable<string> differences) =>
        new(FormatErrorKind.ModelMismatch, $"--model {name} does not match the checkpoint: {string.Join(", ", differences)}");

    private static string Plural(IReadOnlyList<string> keys) => keys.Count == 1 ? "" : "s";

    private static string Sample(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(3).Select(k => $"'{k}'")) + (keys.Count > 3 ? $" and {keys.Count - 3} more" : "");

    private static string Text(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";
}
