using SkiaSharp;

namespace ClipTools.Input.Preprocessing;

/// <summary>
/// Decodes image files with SkiaSharp (Skia's libjpeg-turbo and libpng decoders) into 8-bit RGBA, without colour
/// management and without EXIF rotation (PIL applies neither), and names the PIL mode the file opens in, read from
/// the file's own header (PNG colour type and bit depth, JPEG component count).
/// </summary>
public static class ImageDecoder
{
    /// <summary>Images larger than this many pixels are refused before decoding (PIL warns at 89 million).</summary>
    public const long MaxPixels = 178_956_970;

    public static RgbaImage Decode(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new ImageFormatException($"{path}: no such file");
        }
        return Decode(bytes, path);
    }

    public static RgbaImage Decode(byte[] bytes, string name = "image")
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new ImageFormatException($"{name}: not an image format this build decodes (JPEG, PNG, GIF, BMP, WebP)");
        var info = codec.Info;
        if ((long)info.Width * info.Height > MaxPixels)
        {
            throw new ImageFormatException($"{name}: {info.Width}x{info.Height} is more than {MaxPixels} pixels");
        }
        var mode = ModeOf(codec.EncodedFormat, bytes, info, name);
        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(target);
        var result = codec.GetPixels(target, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new ImageFormatException($"{name}: the decoder failed ({result})");
        }
        if (result == SKCodecResult.IncompleteInput)
        {
            throw new ImageFormatException($"{name}: the image data is truncated");
        }
        var pixels = bitmap.GetPixelSpan().ToArray();
        if (mode is not (PilMode.Rgba or PilMode.GreyAlpha))
        {
            for (var i = 3; i < pixels.Length; i += 4)
            {
                pixels[i] = 255; // a transparent colour (tRNS) is no alpha channel to PIL: convert("RGB") ignores it
            }
        }
        return new RgbaImage(info.Width, info.Height, pixels, mode);
    }

    private static PilMode ModeOf(SKEncodedImageFormat format, byte[] bytes, SKImageInfo info, string name) => format switch
    {
        SKEncodedImageFormat.Png => PngMode(bytes, name),
        SKEncodedImageFormat.Jpeg => JpegMode(bytes, name),
        SKEncodedImageFormat.Gif => PilMode.Palette,
        _ => info.AlphaType == SKAlphaType.Opaque ? PilMode.Rgb : PilMode.Rgba,
    };

    // IHDR is the first chunk: bit depth at byte 24, colour type at byte 25.
    private static PilMode PngMode(byte[] bytes, string name)
    {
        if (bytes.Length < 26)
        {
            throw new ImageFormatException($"{name}: PNG header is truncated");
        }
        var (depth, colourType) = (bytes[24], bytes[25]);
        if (depth == 16)
        {
            throw new ImageFormatException($"{name}: 16-bit PNG is not supported (PIL keeps it in modes the pipeline here does not reproduce); convert it to 8 bits");
        }
        return colourType switch
        {
            0 => depth == 1 ? PilMode.Bilevel : PilMode.Grey,
            2 => PilMode.Rgb,
            3 => PilMode.Palette,
            4 => PilMode.GreyAlpha,
            6 => PilMode.Rgba,
            _ => throw new ImageFormatException($"{name}: PNG colour type {colourType} is not valid"),
        };
    }

    // The component count of the first start-of-frame segment.
    private static PilMode JpegMode(byte[] bytes, string name)
    {
        var i = 2;
        while (i + 9 < bytes.Length)
        {
            if (bytes[i] != 0xFF)
            {
                i++;
                continue;
            }
            var marker = bytes[i + 1];
            if (marker is 0xFF or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += marker == 0xFF ? 1 : 2;
                continue;
            }
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                return bytes[i + 9] switch
                {
                    1 => PilMode.Grey,
                    3 => PilMode.Rgb,
                    var n => throw new ImageFormatException($"{name}: JPEG with {n} components (CMYK?) is not supported"),
                };
            }
            i += 2 + (bytes[i + 2] << 8 | bytes[i + 3]);
        }
        throw new ImageFormatException($"{name}: no JPEG frame header found");
    }
}
