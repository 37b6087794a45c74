namespace ClipTools.Input.Preprocessing;

/// <summary>
/// PIL's conversions between RGBA and premultiplied RGBa, which <c>Image.resize</c> wraps around the filter for
/// images with alpha: premultiply <c>(v*a + 128 + ((v*a + 128) &gt;&gt; 8)) &gt;&gt; 8</c>, unpremultiply
/// <c>min(255, 255*v / a)</c> (integer division) except where a is 0 or 255.
/// </summary>
public static class PilAlpha
{
    public static byte[] Premultiply(byte[] rgba)
    {
        var output = new byte[rgba.Length];
        for (var i = 0; i < rgba.Length; i += 4)
        {
            var alpha = rgba[i + 3];
            for (var c = 0; c < 3; c++)
            {
                var t = rgba[i + c] * alpha + 128;
                output[i + c] = (byte)(((t >> 8) + t) >> 8);
            }
            output[i + 3] = alpha;
        }
        return output;
    }

    public static byte[] Unpremultiply(byte[] rgba)
    {
        var output = new byte[rgba.Length];
        for (var i = 0; i < rgba.Length; i += 4)
        {
            var alpha = rgba[i + 3];
            for (var c = 0; c < 3; c++)
            {
                output[i + c] = alpha is 0 or 255 ? rgba[i + c] : (byte)Math.Min(255, 255 * rgba[i + c] / alpha);
            }
            output[i + 3] = alpha;
        }
        return output;
    }
}
