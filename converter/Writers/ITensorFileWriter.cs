using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Writes named tensors to a stream in one file format, in the order given, one tensor in memory at a time.
/// Writers take <see cref="TensorEntry"/> (name, dtype, shape, bytes on demand) and know nothing of any tensor
/// library; <see cref="OutputFile"/> puts the stream on disk safely and checks it.
/// </summary>
public interface ITensorFileWriter
{
    OutputFormat Format { get; }

    /// <summary>
    /// Checks everything that can be checked before a byte is written (names, dtypes), then writes. Returns what
    /// was written for each tensor, in order.
    /// </summary>
    IReadOnlyList<WrittenTensor> Write(Stream output, IReadOnlyList<TensorEntry> tensors);
}
