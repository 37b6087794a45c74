namespace ClipTools.Input.Preprocessing;

/// <summary>
/// Decoded pixels, always 8-bit RGBA interleaved (grey replicated, alpha 255 where the file has none), with the
/// mode PIL would give the file, which decides how the official pipeline treats it.
/// </summary>
public sealed class RgbaImage
{
    public RgbaImage(int width, int height, byte[] pixels, PilMode mode)
    {
        if (width <= 0 || height <= 0 || pixels.Length != checked(width * height * 4))
        {
            throw new ArgumentException($"an RGBA image of {width}x{height} needs {width * height * 4} bytes, got {pixels.Length}");
        }
        Width = width;
        Height = height;
        Pixels = pixels;
        Mode = mode;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Row-major RGBA bytes, 4 per pixel.</summary>
    public byte[] Pixels { get; }

    public PilMode Mode { get; }

    public bool HasAlpha => Mode is PilMode.Rgba or PilMode.GreyAlpha;
}
