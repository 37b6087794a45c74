using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using static TorchSharp.torch;

namespace ClipTools.Converter.Tests.Conversion;

/// <summary>
/// The vectorised widening kernels against .NET's <see cref="Half"/>, the exact scalar <see cref="FloatBits"/>
/// and libtorch's own conversion (what TorchSharp does with the weights), over every one of the 65,536 patterns,
/// in every position of a vector (the patterns are converted at several misalignments), at every vector width this
/// machine runs (256 and 128 bits, and scalar: a NativeAOT build for the baseline x86-64 takes the 128-bit path).
/// </summary>
public class FloatKernelsTests
{
    private static readonly ushort[] AllPatterns = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();

    public static TheoryData<int> Widths() => [.. WidthsHere()];

    public static TheoryData<bool, int> KindsAndWidths()
    {
        var data = new TheoryData<bool, int>();
        foreach (var bfloat16 in new[] { false, true })
        {
            foreach (var width in WidthsHere())
            {
                data.Add(bfloat16, width);
            }
        }
        return data;
    }

    private static IEnumerable<int> WidthsHere()
    {
        yield return 0;
        if (Vector128.IsHardwareAccelerated)
        {
            yield return 128;
        }
        if (Vector256.IsHardwareAccelerated)
        {
            yield return 256;
        }
    }

    [Fact]
    public void ThePublicKernelsRunAtTheWidestWidthHere() =>
        Assert.Equal(Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0, FloatKernels.BestVectorBits);

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryFiniteHalfWidensAsDotNetAndTorchDo(int width)
    {
        var finite = AllPatterns.Where(h => (h & 0x7c00) != 0x7c00).ToArray();
        var torchBits = TorchWidened(finite, ScalarType.Float16);
        for (var skew = 0; skew < 16; skew++)
        {
            var source = finite.AsSpan(skew);
            var result = new uint[source.Length];
            Assert.Equal(-1, FloatKernels.HalfToSingle(source, result, width));
            for (var i = 0; i < source.Length; i++)
            {
                var h = source[i];
                Assert.Equal(BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf(h)), result[i]);
                Assert.Equal(BitConverter.SingleToUInt32Bits((float)FloatBits.HalfToDouble(h)), result[i]);
                Assert.Equal(torchBits[i + skew], result[i]);
            }
        }
    }

    [Fact]
    public void EveryHalfPatternScalarMatchesDotNetIncludingNaNAndInfinity()
    {
        foreach (var h in AllPatterns)
        {
            Assert.Equal(BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf(h)), FloatKernels.HalfToSingleBits(h));
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryFiniteBFloat16WidensAsTorchAndTheScalarDefinitionDo(int width)
    {
        var finite = AllPatterns.Where(b => (b & 0x7f80) != 0x7f80).ToArray();
        var torchBits = TorchWidened(finite, ScalarType.BFloat16);
        for (var skew = 0; skew < 16; skew++)
        {
            var source = finite.AsSpan(skew);
            var result = new uint[source.Length];
            Assert.Equal(-1, FloatKernels.BFloat16ToSingle(source, result, width));
            for (var i = 0; i < source.Length; i++)
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits((float)FloatBits.BFloat16ToDouble(source[i])), result[i]);
                Assert.Equal(torchBits[i + skew], result[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(KindsAndWidths))]
    public void TheFusedCheckFindsTheFirstNonFiniteAtEveryPosition(bool bfloat16, int width)
    {
        var exponent = bfloat16 ? (ushort)0x7f80 : (ushort)0x7c00;
        var nonFinite = AllPatterns.Where(p => (p & exponent) == exponent).ToArray();
        var random = new Random(7);
        for (var length = 1; length < 70; length++)
        {
            for (var at = 0; at < length; at++)
            {
                var values = Enumerable.Range(0, length).Select(_ => (ushort)(random.Next(0x3000, 0x3800) | (random.Next(2) << 15))).ToArray();
                values[at] = nonFinite[random.Next(nonFinite.Length)];
                if (at + 1 < length)
                {
                    values[random.Next(at + 1, length)] = nonFinite[random.Next(nonFinite.Length)];   // a later one must not win
                }
                var result = new uint[length];
                Assert.Equal(at, bfloat16 ? FloatKernels.BFloat16ToSingle(values, result, width) : FloatKernels.HalfToSingle(values, result, width));
                Assert.Equal(at, FloatKernels.FirstNonFinite16(values, bfloat16, width));
                Assert.Equal(at, FloatBits.FirstNonFinite(MemoryMarshal.AsBytes(values.AsSpan()), bfloat16 ? DType.BFloat16 : DType.Float16));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void TheFloat32CheckFindsTheFirstNonFiniteAtEveryPosition(int width)
    {
        for (var length = 1; length < 40; length++)
        {
            for (var at = 0; at < length; at++)
            {
                var values = Enumerable.Range(0, length).Select(i => BitConverter.SingleToUInt32Bits(float.MaxValue - i)).ToArray();
                values[at] = BitConverter.SingleToUInt32Bits(at % 2 == 0 ? float.NegativeInfinity : float.NaN);
                Assert.Equal(at, FloatKernels.FirstNonFinite32(values, width));
            }
        }
        Assert.Equal(-1, FloatKernels.FirstNonFinite32(Enumerable.Repeat(BitConverter.SingleToUInt32Bits(-float.MaxValue), 100).ToArray(), width));
    }

    /// <summary>libtorch's widening of the patterns: a tensor of the dtype holding them, converted to float32.</summary>
    private static uint[] TorchWidened(ushort[] patterns, ScalarType dtype)
    {
        using var viewed = empty(patterns.Length, dtype);
        viewed.bytes = MemoryMarshal.AsBytes(patterns.AsSpan()).ToArray();
        using var widened = viewed.to(ScalarType.Float32);
        return widened.data<float>().ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray();
    }
}
