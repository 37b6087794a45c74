using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Layouts;

/// <summary>
/// A tensor as it will be written: name, dtype, shape, and how to produce its bytes (C order, little-endian) from
/// the tensors it comes from. Nothing is read until asked. Renames, reshapes, concatenations and transposes
/// (<see cref="TransposedBytes"/>) keep ranged reads (<see cref="TensorBytes.HasRanges"/>), so writers stream them in
/// small chunks; only a transpose's source is whole in memory, one tensor at a time.
/// </summary>
public sealed class MappedTensor
{
    public MappedTensor(string name, DType dtype, IReadOnlyList<long> shape, IReadOnlyList<string> sources, RuleKind rule, Func<byte[]> produce)
        : this(name, dtype, shape, sources, rule, bytes: null!)
    {
        Bytes = new ProducedBytes(this, produce);
    }

    /// <summary>A tensor whose bytes are <paramref name="bytes"/> as they are (ranged reads pass through).</summary>
    public MappedTensor(string name, DType dtype, IReadOnlyList<long> shape, IReadOnlyList<string> sources, RuleKind rule, TensorBytes bytes)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        Sources = sources;
        Rule = rule;
        Bytes = bytes;
    }

    public string Name { get; }

    public DType DType { get; }

    public IReadOnlyList<long> Shape { get; }

    /// <summary>The names this tensor is made from (none for a synthesized one).</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>What was done to the sources (the last step, where several were chained).</summary>
    public RuleKind Rule { get; }

    /// <summary>How the bytes are produced: whole, or in ranges where every step allows it.</summary>
    public TensorBytes Bytes { get; }

    public long ElementCount => TensorEntry.ElementCountOf(Shape);

    public long ByteCount => ElementCount * DType.Size();

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    public byte[] ReadBytes()
    {
        if (Bytes is ProducedBytes produced)
        {
            return produced.Produce();
        }
        if (ByteCount > Array.MaxLength)
        {
            throw new CheckpointFormatException(FormatErrorKind.LimitExceeded, $"tensor of {ByteCount} bytes is too large to read at once", new FormatPlace(Key: Name));
        }
        var buffer = GC.AllocateUninitializedArray<byte>((int)ByteCount);
        Bytes.CopyTo(buffer);
        return buffer;
    }

    /// <summary>The same tensor with another producer (a check or a dtype conversion on the way out).</summary>
    public MappedTensor With(DType dtype, Func<byte[], byte[]> transform) =>
        new(Name, dtype, Shape, Sources, Rule, () => transform(ReadBytes()));

    /// <summary>The same tensor with other bytes of another dtype (a streamed check or conversion).</summary>
    public MappedTensor With(DType dtype, TensorBytes bytes) => new(Name, dtype, Shape, Sources, Rule, bytes);

    /// <summary>The same bytes under another name and shape (renames and reshapes keep ranged reads).</summary>
    public MappedTensor Renamed(string name, IReadOnlyList<long> shape, RuleKind rule) =>
        new(name, DType, shape, [Name], rule, Bytes);

    /// <summary>As a reader's entry, so a mapped set can be fed through the pipeline again (round trips) or written.</summary>
    public TensorEntry ToTensorEntry() => new(Name, DType, Shape, Bytes);

    public override string ToString() => $"{Name} {DType.Name()} {ShapeText}";

    /// <summary>Bytes made whole by a function (transposes, splits); checked against the tensor's size.</summary>
    private sealed class ProducedBytes(MappedTensor tensor, Func<byte[]> produce) : TensorBytes
    {
        public byte[] Produce()
        {
            var bytes = produce();
            if (bytes.LongLength != tensor.ByteCount)
            {
                throw new InvalidOperationException($"'{tensor.Name}' produced {bytes.LongLength} bytes, expected {tensor.ByteCount}");
            }
            return bytes;
        }

        public override void CopyTo(Span<byte> destination) => Produce().CopyTo(destination);
    }
}
