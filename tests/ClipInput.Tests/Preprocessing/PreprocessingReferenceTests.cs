using ClipTools.Input.Preprocessing;

namespace ClipTools.Input.Tests.Preprocessing;

/// <summary>
/// The preprocessing against PIL + torchvision on generated JPEG and PNG images (RGB, grey, grey+alpha, RGBA,
/// palette, transparent colours; 1x1 to 1000x120; output sizes 33, 64 and 224). Three separate claims:
/// the decoded pixels equal PIL's; the resize and crop on PIL's own decoded pixels equal PIL's 8-bit output exactly;
/// and the whole file-to-tensor pipeline is within 1/255 of torchvision's normalised tensor.
/// </summary>
public sealed class PreprocessingReferenceTests
{
    /// <summary>The stated tolerance after normalisation; the tests below measure 0 differences in the 8-bit pixels.</summary>
    private const float Tolerance = 1f / 255;

    public static TheoryData<string> Images() => [.. PreprocessingReference.ImageNames];

    [Theory]
    [MemberData(nameof(Images))]
    public void DecodedPixelsEqualPil(string name)
    {
        var image = ImageDecoder.Decode(PreprocessingReference.ImagePath(name));
        var (shape, rgb) = PreprocessingReference.Get(name + ".rgb");
        Assert.Equal([image.Height, image.Width, 3], shape);
        var differing = 0;
        var maxDifference = 0;
        for (var i = 0; i < image.Width * image.Height; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                var d = Math.Abs(image.Pixels[i * 4 + c] - rgb[i * 3 + c]);
                differing += d > 0 ? 1 : 0;
                maxDifference = Math.Max(maxDifference, d);
            }
        }
        Assert.True(differing == 0, $"{name}: {differing} channel values differ from PIL's decode, by up to {maxDifference}");
        if (PreprocessingReference.Has(name + ".alpha"))
        {
            var alpha = PreprocessingReference.Get(name + ".alpha").Bytes;
            Assert.Equal(alpha, Enumerable.Range(0, alpha.Length).Select(i => image.Pixels[i * 4 + 3]).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void ResizeAndCropOfPilPixelsEqualPilExactly(string name)
    {
        var decoded = ImageDecoder.Decode(PreprocessingReference.ImagePath(name));
        var pil = FromPil(name, decoded.Mode);
        foreach (var size in SizesOf(name))
        {
            var expected = PreprocessingReference.Get($"{name}@{size}").Bytes;
            var actual = ClipPreprocessing.Pixels(pil, size);
            var differing = expected.Zip(actual).Count(p => p.First != p.Second);
            Assert.True(differing == 0, $"{name} at {size}: {differing} of {expected.Length} pixels differ from PIL");
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void FileToTensorIsWithinToleranceOfTorchvision(string name)
    {
        foreach (var size in SizesOf(name).Where(s => PreprocessingReference.Has($"{name}@{s}.normalized")))
        {
            var expected = PreprocessingReference.Floats($"{name}@{size}.normalized");
            var actual = ClipPreprocessing.PreprocessFile(PreprocessingReference.ImagePath(name), size);
            Assert.Equal(expected.Length, actual.Length);
            var worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst <= Tolerance, $"{name} at {size}: max abs difference {worst} > 1/255");
        }
    }

    [Fact]
    public void EveryKindOfImageIsCovered()
    {
        var modes = PreprocessingReference.ImageNames.Select(n => ImageDecoder.Decode(PreprocessingReference.ImagePath(n)).Mode).ToHashSet();
        Assert.Superset(new HashSet<PilMode> { PilMode.Grey, PilMode.GreyAlpha, PilMode.Palette, PilMode.Rgb, PilMode.Rgba }, modes);
        Assert.Contains(PreprocessingReference.ImageNames, n => n.EndsWith(".jpg", StringComparison.Ordinal));
        Assert.True(PreprocessingReference.Keys.Count(k => k.EndsWith(".normalized", StringComparison.Ordinal)) >= 16);
    }

    private static IEnumerable<int> SizesOf(string name) =>
        PreprocessingReference.Keys.Where(k => k.StartsWith(name + "@", StringComparison.Ordinal) && !k.EndsWith(".normalized", StringComparison.Ordinal))
            .Select(k => int.Parse(k[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    // PIL's decoded pixels (from the reference file) in the mode of the file, to test resize and crop alone.
    private static RgbaImage FromPil(string name, PilMode mode)
    {
        var (shape, rgb) = PreprocessingReference.Get(name + ".rgb");
        var (height, width) = ((int)shape[0], (int)shape[1]);
        var alpha = PreprocessingReference.Has(name + ".alpha") ? PreprocessingReference.Get(name + ".alpha").Bytes : null;
        var rgba = new byte[width * height * 4];
        for (var i = 0; i < width * height; i++)
        {
            rgba[i * 4] = rgb[i * 3];
            rgba[i * 4 + 1] = rgb[i * 3 + 1];
            rgba[i * 4 + 2] = rgb[i * 3 + 2];
            rgba[i * 4 + 3] = alpha?[i] ?? 255;
        }
        return new RgbaImage(width, height, rgba, mode);
    }
}
