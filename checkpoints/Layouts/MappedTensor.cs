using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Layouts;

/// <summary>
/// A tensor as it will be written: name, dtype, shape, and how to produce its bytes (C order, little-endian) from
/// the tensors it comes from. Nothing is read until <see cref="ReadBytes"/>; each call reads its sources afresh,
/// so only one tensor (and its sources) is in memory at a time.
/// </summary>
public sealed class MappedTensor(string name, DType dtype, IReadOnlyList<long> shape, IReadOnlyList<string> sources,
    RuleKind rule, Func<byte[]> produce)
{
    public string Name { get; } = name;

    public DType DType { get; } = dtype;

    public IReadOnlyList<long> Shape { get; } = shape;

    /// <summary>The names this tensor is made from (none for a synthesized one).</summary>
    public IReadOnlyList<string> Sources { get; } = sources;

    /// <summary>What was done to the sources (the last step, where several were chained).</summary>
    public RuleKind Rule { get; } = rule;

    public long ElementCount => TensorEntry.ElementCountOf(Shape);

    public long ByteCount => ElementCount * DType.Size();

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    public byte[] ReadBytes()
    {
        var bytes = produce();
        if (bytes.LongLength != ByteCount)
        {
            throw new InvalidOperationException($"'{Name}' produced {bytes.LongLength} bytes, expected {ByteCount}");
        }
        return bytes;
    }

    /// <summary>The same tensor with another producer (a check or a dtype conversion on the way out).</summary>
    public MappedTensor With(DType dtype, Func<byte[], byte[]> transform) =>
        new(Name, dtype, Shape, Sources, Rule, () => transform(ReadBytes()));

    /// <summary>The same tensor under another name (for layouts mapped back from the canonical names).</summary>
    public MappedTensor Renamed(string name, IReadOnlyList<long> shape, RuleKind rule, Func<byte[]> produce) =>
        new(name, DType, shape, [Name], rule, produce);

    /// <summary>As a reader's entry, so a mapped set can be fed through the pipeline again (round trips).</summary>
    public TensorEntry ToTensorEntry() => new(Name, DType, Shape, new ProducedBytes(this));

    public override string ToString() => $"{Name} {DType.Name()} {ShapeText}";

    private sealed class ProducedBytes(MappedTensor tensor) : TensorBytes
    {
        public override void CopyTo(Span<byte> destination) => tensor.ReadBytes().CopyTo(destination);
    }
}
