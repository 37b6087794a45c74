using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Writers;

/// <summary>
/// What a writer put into a file for one tensor: name, dtype as stored, shape, and a checksum of its bytes (XXH3,
/// 64 bits, hex: a fast non-cryptographic hash, enough to catch any change between writing and reading back).
/// The read-back makes the same record from the finished file, so the two lists compare entry by entry.
/// </summary>
public sealed record WrittenTensor(string Name, DType DType, IReadOnlyList<long> Shape, long ByteCount, string Checksum)
{
    /// <summary>The first way this record differs from <paramref name="other"/>, or null when they agree.</summary>
    public string? DifferenceFrom(WrittenTensor other) =>
        Name != other.Name ? $"name '{other.Name}' where '{Name}' was written"
        : DType != other.DType ? $"'{Name}': dtype {other.DType.Name()} where {DType.Name()} was written"
        : !Shape.SequenceEqual(other.Shape) ? $"'{Name}': shape [{string.Join(", ", other.Shape)}] where [{string.Join(", ", Shape)}] was written"
        : ByteCount != other.ByteCount ? $"'{Name}': {other.ByteCount} bytes where {ByteCount} were written"
        : Checksum != other.Checksum ? $"'{Name}': bytes differ from what was written (XXH3 {other.Checksum} vs {Checksum})"
        : null;
}
