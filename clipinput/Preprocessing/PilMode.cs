namespace ClipTools.Input.Preprocessing;

/// <summary>
/// The PIL mode an image file opens in. It decides the official pipeline's path: "P" and "1" are resized with
/// NEAREST whatever filter is asked for, "RGBA" and "LA" are resized premultiplied, the rest with bicubic as is.
/// </summary>
public enum PilMode
{
    /// <summary>"1": 1-bit PNG grey.</summary>
    Bilevel,
    /// <summary>"L": grey (JPEG with one component, 2..8-bit PNG grey).</summary>
    Grey,
    /// <summary>"LA": PNG grey with alpha.</summary>
    GreyAlpha,
    /// <summary>"P": palette PNG or GIF.</summary>
    Palette,
    /// <summary>"RGB".</summary>
    Rgb,
    /// <summary>"RGBA".</summary>
    Rgba,
}
