namespace ClipTools.Input.Preprocessing;

/// <summary>
/// The official CLIP image transform (openai/CLIP <c>_transform(n_px)</c>): torchvision's
/// <c>Resize(n_px, BICUBIC)</c> on the PIL image (short side to n_px, long side truncated), <c>CenterCrop(n_px)</c>
/// (offsets rounded half to even, as Python's round), <c>convert("RGB")</c> (alpha dropped), <c>ToTensor</c>
/// (/255 in float32) and <c>Normalize</c> with CLIP's mean and std (float32).
/// </summary>
public static class ClipPreprocessing
{
    public static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>The model input for one image: [3, size, size] channel-major float32, normalised.</summary>
    public static float[] Preprocess(RgbaImage image, int size) => Normalize(Pixels(image, size), size);

    /// <summary>Decodes a file and preprocesses it (<see cref="ImageDecoder.Decode(string)"/>).</summary>
    public static float[] PreprocessFile(string path, int size) => Preprocess(ImageDecoder.Decode(path), size);

    /// <summary>The 8-bit RGB pixels just before <c>ToTensor</c>: [3, size, size] channel-major.</summary>
    public static byte[] Pixels(RgbaImage image, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var (width, height) = ResizedSize(image.Width, image.Height, size);
        var pixels = image.Mode switch
        {
            PilMode.Palette or PilMode.Bilevel => PilNearest.Resize(image.Pixels, image.Width, image.Height, 4, width, height),
            PilMode.Rgba or PilMode.GreyAlpha => PilAlpha.Unpremultiply(
                PilBicubic.Resize(PilAlpha.Premultiply(image.Pixels), image.Width, image.Height, 4, width, height)),
            _ => PilBicubic.Resize(image.Pixels, image.Width, image.Height, 4, width, height),
        };
        // The resized image is never smaller than the crop, so torchvision's padding branch never runs.
        var top = (int)Math.Round((height - size) / 2.0, MidpointRounding.ToEven);
        var left = (int)Math.Round((width - size) / 2.0, MidpointRounding.ToEven);
        var output = new byte[3 * size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var source = ((top + y) * width + left + x) * 4;
                for (var c = 0; c < 3; c++)
                {
                    output[(c * size + y) * size + x] = pixels[source + c];
                }
            }
        }
        return output;
    }

    /// <summary><c>ToTensor</c> then <c>Normalize</c>, in float32 as torchvision computes them.</summary>
    public static float[] Normalize(byte[] channelMajorRgb, int size)
    {
        var plane = size * size;
        if (channelMajorRgb.Length != 3 * plane)
        {
            throw new ArgumentException($"expected 3x{size}x{size} pixels, got {channelMajorRgb.Length} bytes");
        }
        var output = new float[channelMajorRgb.Length];
        for (var c = 0; c < 3; c++)
        {
            for (var i = c * plane; i < (c + 1) * plane; i++)
            {
                var x = channelMajorRgb[i] / 255f;
                output[i] = (x - Mean[c]) / Std[c];
            }
        }
        return output;
    }

    /// <summary>torchvision's size for <c>Resize(int)</c>: short side to <paramref name="size"/>, long side <c>int(size * long / short)</c>.</summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int size)
    {
        var (shortSide, longSide) = width <= height ? (width, height) : (height, width);
        var newLong = (int)((double)size * longSide / shortSide);
        return width <= height ? (size, newLong) : (newLong, size);
    }
}
