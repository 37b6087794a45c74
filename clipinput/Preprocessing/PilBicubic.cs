namespace ClipTools.Input.Preprocessing;

/// <summary>
/// PIL's <c>Image.resize(size, BICUBIC)</c> on 8-bit channels, as Pillow's Resample.c computes it: the cubic
/// convolution kernel with a = -0.5 and support 2, widened by the downscale factor; weights normalised, then
/// turned into 22-bit fixed point; a horizontal pass, then a vertical one, each rounding to 8 bits. A pass whose
/// size does not change is skipped, as Pillow skips it.
/// </summary>
public static class PilBicubic
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const double Support = 2.0;

    /// <summary>Resizes interleaved 8-bit pixels with <paramref name="channels"/> channels.</summary>
    public static byte[] Resize(byte[] pixels, int width, int height, int channels, int newWidth, int newHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(newWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(newHeight, 1);
        if (newWidth != width)
        {
            pixels = Horizontal(pixels, width, height, channels, newWidth);
            width = newWidth;
        }
        if (newHeight != height)
        {
            pixels = Vertical(pixels, width, height, channels, newHeight);
        }
        return pixels;
    }

    private static byte[] Horizontal(byte[] input, int width, int height, int channels, int newWidth)
    {
        var (bounds, weights, kernelSize) = Coefficients(width, newWidth);
        var output = new byte[newWidth * height * channels];
        for (var y = 0; y < height; y++)
        {
            var row = y * width * channels;
            for (var x = 0; x < newWidth; x++)
            {
                var (first, count) = bounds[x];
                var k = x * kernelSize;
                for (var c = 0; c < channels; c++)
                {
                    var sum = 1 << (PrecisionBits - 1);
                    for (var i = 0; i < count; i++)
                    {
                        sum += input[row + (first + i) * channels + c] * weights[k + i];
                    }
                    output[(y * newWidth + x) * channels + c] = Clip8(sum);
                }
            }
        }
        return output;
    }

    private static byte[] Vertical(byte[] input, int width, int height, int channels, int newHeight)
    {
        var (bounds, weights, kernelSize) = Coefficients(height, newHeight);
        var stride = width * channels;
        var output = new byte[newHeight * stride];
        for (var y = 0; y < newHeight; y++)
        {
            var (first, count) = bounds[y];
            var k = y * kernelSize;
            for (var j = 0; j < stride; j++)
            {
                var sum = 1 << (PrecisionBits - 1);
                for (var i = 0; i < count; i++)
                {
                    sum += input[(first + i) * stride + j] * weights[k + i];
                }
                output[y * stride + j] = Clip8(sum);
            }
        }
        return output;
    }

    /// <summary>Pillow's <c>precompute_coeffs</c> and <c>normalize_coeffs_8bpc</c> for the whole input range.</summary>
    private static ((int First, int Count)[] Bounds, int[] Weights, int KernelSize) Coefficients(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = Support * filterScale;
        var kernelSize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new (int, int)[outSize];
        var weights = new int[outSize * kernelSize];
        var k = new double[kernelSize];
        for (var x = 0; x < outSize; x++)
        {
            var center = (x + 0.5) * scale;
            var invScale = 1.0 / filterScale;
            var first = Math.Max((int)(center - support + 0.5), 0);
            var last = Math.Min((int)(center + support + 0.5), inSize);
            var count = last - first;
            var total = 0.0;
            for (var i = 0; i < count; i++)
            {
                k[i] = Cubic((i + first - center + 0.5) * invScale);
                total += k[i];
            }
            for (var i = 0; i < count; i++)
            {
                var w = total != 0.0 ? k[i] / total : k[i];
                weights[x * kernelSize + i] = (int)(w < 0 ? -0.5 + w * (1 << PrecisionBits) : 0.5 + w * (1 << PrecisionBits));
            }
            bounds[x] = (first, count);
        }
        return (bounds, weights, kernelSize);
    }

    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0)
        {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    private static byte Clip8(int value)
    {
        var v = value >> PrecisionBits;
        return (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}
