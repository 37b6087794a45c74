using System.Buffers.Binary;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Tests.Layouts;

/// <summary>fp16 / bf16 / fp32 / fp64 conversions: exact widening, round to nearest even, subnormals, Inf and NaN.</summary>
public class FloatBitsTests
{
    [Fact]
    public void EveryHalfSurvivesWideningAndNarrowing()
    {
        for (var bits = 0; bits <= 0xffff; bits++)
        {
            var h = (ushort)bits;
            var d = FloatBits.HalfToDouble(h);
            Assert.Equal((double)BitConverter.UInt16BitsToHalf(h), d);     // .NET's decoding agrees (NaN == NaN for Equal)
            var back = FloatBits.DoubleToHalf(d);
            if (double.IsNaN(d))
            {
                Assert.True((back & 0x7c00) == 0x7c00 && (back & 0x3ff) != 0, $"NaN {bits:x4} became {back:x4}");
            }
            else
            {
                Assert.Equal(h, back);
            }
        }
    }

    [Fact]
    public void FloatToHalfAgreesWithDotNetHalf()
    {
        var random = new Random(1234);
        var buffer = new byte[4];
        for (var i = 0; i < 2_000_000; i++)
        {
            random.NextBytes(buffer);
            var f = BitConverter.ToSingle(buffer);
            // Bias towards the half range (|x| < 2^17) half of the time, where rounding matters most.
            if ((i & 1) == 0)
            {
                f = BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(f) & unchecked((int)0x87ffffff)) | 0x30000000);
            }
            var want = BitConverter.HalfToUInt16Bits((Half)f);
            var got = FloatBits.DoubleToHalf(f);
            if (float.IsNaN(f))
            {
                Assert.True((got & 0x7c00) == 0x7c00 && (got & 0x3ff) != 0);
                continue;
            }
            Assert.True(want == got, $"{f:R} ({BitConverter.SingleToInt32Bits(f):x8}): want {want:x4}, got {got:x4}");
        }
    }

    [Theory]
    [InlineData(1.0, 0x3c00)]
    [InlineData(65504.0, 0x7bff)]                      // largest half
    [InlineData(65519.99, 0x7bff)]                     // below the midpoint to 2^16: stays finite
    [InlineData(65520.0, 0x7c00)]                      // the midpoint rounds to even, which is 2^16: infinity
    [InlineData(5.960464477539063e-08, 0x0001)]        // 2^-24, smallest subnormal
    [InlineData(2.9802322387695312e-08, 0x0000)]       // 2^-25: tie between 0 and 2^-24, to even 0
    [InlineData(4.470348358154297e-08, 0x0001)]        // 1.5 * 2^-25: above the tie
    [InlineData(8.940696716308594e-08, 0x0002)]        // 1.5 * 2^-24: tie between 1 and 2 ulps, to even 2
    [InlineData(6.097555160522461e-05, 0x03ff)]        // largest subnormal
    [InlineData(6.103515625e-05, 0x0400)]              // 2^-14, smallest normal
    [InlineData(1.00048828125, 0x3c00)]                // 1 + 2^-11: tie, to even 1.0
    [InlineData(1.00146484375, 0x3c02)]                // 1 + 3 * 2^-11: tie, to even 1 + 2^-9
    [InlineData(-0.0, 0x8000)]
    [InlineData(double.NegativeInfinity, 0xfc00)]
    [InlineData(1e-300, 0x0000)]
    public void DoubleToHalfRoundsToNearestEven(double value, int bits) => Assert.Equal((ushort)bits, FloatBits.DoubleToHalf(value));

    [Fact]
    public void DoubleToHalfRoundsOnceNotTwice()
    {
        // 1 + 2^-11 + 2^-40: via float32 it would become 1 + 2^-11 (a tie) and then 1.0; rounded once it is 1 + 2^-10.
        var value = 1 + Math.ScaleB(1, -11) + Math.ScaleB(1, -40);
        Assert.Equal((ushort)0x3c00, FloatBits.DoubleToHalf((float)value));
        Assert.Equal((ushort)0x3c01, FloatBits.DoubleToHalf(value));
    }

    [Theory]
    [InlineData(1.0, 0x3f80)]
    [InlineData(1.00390625, 0x3f80)]                   // 1 + 2^-8: tie, to even 1.0
    [InlineData(1.01171875, 0x3f82)]                   // 1 + 3 * 2^-8: tie, to even 1 + 2^-6
    [InlineData(3.4028234663852886e38, 0x7f80)]        // float max rounds up past bf16 max: infinity
    [InlineData(9.183549615799121e-41, 0x0001)]        // 2^-133, smallest bf16 subnormal
    public void DoubleToBFloat16RoundsToNearestEven(double value, int bits) => Assert.Equal((ushort)bits, FloatBits.DoubleToBFloat16(value));

    [Fact]
    public void BFloat16WidensExactly()
    {
        for (var bits = 0; bits <= 0xffff; bits++)
        {
            var d = FloatBits.BFloat16ToDouble((ushort)bits);
            if (!double.IsNaN(d))
            {
                Assert.Equal((ushort)bits, FloatBits.DoubleToBFloat16(d));
            }
        }
    }

    [Fact]
    public void DoubleToSingleAgreesWithTheCast()
    {
        var random = new Random(99);
        var buffer = new byte[8];
        for (var i = 0; i < 1_000_000; i++)
        {
            random.NextBytes(buffer);
            var d = BitConverter.ToDouble(buffer);
            if ((i & 1) == 0)
            {
                d = Math.ScaleB(d / Math.Pow(2, Math.ILogB(d)), random.Next(-160, 140));   // into and around float's range
            }
            var want = (float)d;
            var got = FloatBits.DoubleToSingle(d);
            Assert.True(float.IsNaN(want) ? float.IsNaN(got) : BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(got), $"{d:R}");
        }
    }

    [Fact]
    public void ConverterWidensHalfExactlyAndKeepsCountsInt64()
    {
        ushort[] halves = [0x0001, 0x3555, 0xfbff, 0x8400];
        var bytes = new byte[8];
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), halves[i]);
        }
        var f32 = Converted(bytes, DType.Float16, DType.Float32);
        Assert.Equal(halves.Select(h => (float)BitConverter.UInt16BitsToHalf(h)), Enumerable.Range(0, 4).Select(i => BitConverter.ToSingle(f32, i * 4)));
        Assert.Equal(bytes, Converted(f32, DType.Float32, DType.Float16));
        Assert.Equal(bytes, Converted(Converted(bytes, DType.Float16, DType.Float64), DType.Float64, DType.Float16));

        var counts = Converted(BitConverter.GetBytes(-7), DType.Int32, DType.Int64);
        Assert.Equal(-7L, BitConverter.ToInt64(counts));
    }

    private static byte[] Converted(byte[] source, DType from, DType to)
    {
        var result = new byte[source.Length / from.Size() * to.Size()];
        Assert.Null(DTypeConverter.Convert(source, from, result, to));
        return result;
    }

    [Fact]
    public void NonFiniteScanFindsTheFirst()
    {
        var f16 = new byte[] { 0x00, 0x3c, 0x00, 0x7c, 0x00, 0x7e };
        Assert.Equal(1, FloatBits.FirstNonFinite(f16, DType.Float16));
        Assert.Equal(-1, FloatBits.FirstNonFinite(f16.AsSpan(0, 2), DType.Float16));
        var bf16 = new byte[] { 0x80, 0x3f, 0xc0, 0x7f };
        Assert.Equal(1, FloatBits.FirstNonFinite(bf16, DType.BFloat16));
        Assert.Equal(0, FloatBits.FirstNonFinite(BitConverter.GetBytes(double.NaN), DType.Float64));
        Assert.Equal(-1, FloatBits.FirstNonFinite(BitConverter.GetBytes(float.MaxValue), DType.Float32));
    }
}
