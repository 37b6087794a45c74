using System.Buffers;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// A tensor's bytes converted to the output dtype and checked on the way (NaN or infinity in a weight, or a value
/// the output dtype cannot hold, stops the conversion with the key and the element). When the source reads in
/// ranges, so does this: a range of the output reads only the matching source elements, through a scratch buffer of
/// at most <see cref="ScratchBytes"/>, so no tensor is ever whole in memory.
/// </summary>
public sealed class CheckedConversionBytes(MappedTensor source, DType to) : TensorBytes
{
    /// <summary>The most source bytes converted in one step.</summary>
    public const int ScratchBytes = 1 << 20;

    private readonly DType from = source.DType;

    public override bool HasRanges => source.Bytes.HasRanges;

    public override void CopyTo(Span<byte> destination)
    {
        if (HasRanges)
        {
            CopyRange(0, destination);
            return;
        }
        var whole = source.ReadBytes();
        Check(DTypeConverter.Convert(whole, from, destination, to), 0, whole);
    }

    public override void CopyRange(long start, Span<byte> destination)
    {
        var outSize = to.Size();
        if (start % outSize != 0 || destination.Length % outSize != 0)
        {
            throw new ArgumentException($"'{source.Name}': a range of {to.Name()} must hold whole elements");
        }
        var first = start / outSize;
        var count = destination.Length / outSize;
        var inSize = from.Size();
        if (from == to)
        {
            source.Bytes.CopyRange(start, destination);
            Check(FaultIn(destination), first, destination);
            return;
        }
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Min(ScratchBytes, checked(count * inSize)));
        try
        {
            var perStep = scratch.Length / inSize;
            for (var done = 0; done < count; done += perStep)
            {
                var n = Math.Min(perStep, count - done);
                var input = scratch.AsSpan(0, n * inSize);
                source.Bytes.CopyRange((first + done) * inSize, input);
                Check(DTypeConverter.Convert(input, from, destination.Slice(done * outSize, n * outSize), to), first + done, input);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private ConversionFault? FaultIn(ReadOnlySpan<byte> bytes) =>
        from.IsFloat() && FloatBits.FirstNonFinite(bytes, from) is var at and >= 0 ? new ConversionFault(at, false) : null;

    /// <param name="fault">the first non-finite value found in the chunk, or null when it is clean</param>
    /// <param name="first">the index in the tensor of the chunk's first element</param>
    /// <param name="input">the chunk's source bytes, for the value in the message</param>
    private void Check(ConversionFault? fault, long first, ReadOnlySpan<byte> input)
    {
        if (fault is not { } f)
        {
            return;
        }
        var value = FloatBits.Read(input, from, f.Index);
        throw f.Overflow
            ? ConversionErrors.Overflow(source.Name, first + f.Index, value, to)
            : ConversionErrors.NonFinite(source.Name, first + f.Index, value);
    }
}
