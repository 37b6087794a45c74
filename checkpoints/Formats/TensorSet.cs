namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// What a reader found in a checkpoint: named tensors in file order (bytes not yet read), what it ignored, and the
/// file's own metadata. Holds the file open until disposed.
/// </summary>
public sealed class TensorSet(
    CheckpointFormat format,
    string description,
    IReadOnlyList<TensorEntry> tensors,
    IReadOnlyList<IgnoredItem> ignored,
    IReadOnlyDictionary<string, string> metadata,
    string? wrapperKey,
    IDisposable? file) : IDisposable
{
    public CheckpointFormat Format { get; } = format;

    /// <summary>The format in words, with what identifies this file (archive root, pickle protocol...).</summary>
    public string Description { get; } = description;

    public IReadOnlyList<TensorEntry> Tensors { get; } = ChargeTensorBytes(tensors, file);

    public IReadOnlyList<IgnoredItem> Ignored { get; } = ignored;

    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    /// <summary>The key of the dict the state dict was unwrapped from (<c>state_dict</c>, <c>model</c>), if any.</summary>
    public string? WrapperKey { get; } = wrapperKey;

    public long TotalBytes => Tensors.Sum(t => t.ByteCount);

    public void Dispose() => file?.Dispose();

    // What converting the file would produce is bounded by the file's size: zero-stride views expanded to gigabytes,
    // or a small compressed .npz that declares huge arrays, are refused here, before any byte is produced.
    private static IReadOnlyList<TensorEntry> ChargeTensorBytes(IReadOnlyList<TensorEntry> tensors, IDisposable? file)
    {
        if (file is CheckpointFile checkpoint)
        {
            foreach (var t in tensors)
            {
                checkpoint.Budget.ChargeTensorBytes(t.ByteCount, new FormatPlace(Key: t.Name));
            }
        }
        return tensors;
    }
}
