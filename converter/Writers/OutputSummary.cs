namespace ClipTools.Converter.Writers;

/// <summary>A finished, verified output: where it is, what it holds and the SHA-256 of the whole file.</summary>
public sealed record OutputSummary(
    string Path,
    OutputFormat Format,
    IReadOnlyList<WrittenTensor> Tensors,
    long FileBytes,
    string Sha256)
{
    public int TensorCount => Tensors.Count;

    /// <summary>Tensor bytes only, without headers.</summary>
    public long TensorBytes => Tensors.Sum(t => t.ByteCount);
}
