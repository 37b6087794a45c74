using ClipTools.Input.Preprocessing;
using ClipTools.Input.Tokenizer;
using ClipTools.Verifier.Fixtures;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Runner;

/// <summary>
/// The candidate's own model inputs made from a fixture's raw inputs: token ids [T, C] and pixels [N, 3, R, R], or
/// null on a side the fixture has no raw input for (the fixture's <c>input.text</c> / <c>input.image</c> are used then).
/// </summary>
public sealed record OwnInputs(long[]? Tokens, long[] TokensShape, float[]? Pixels, long[] PixelsShape)
{
    public Activation? TokensActivation => Tokens is null ? null : new(RawInputs.TokensTensor, TokensShape, Array.ConvertAll(Tokens, id => (double)id));

    public Activation? PixelsActivation => Pixels is null ? null : new(RawInputs.PixelsTensor, PixelsShape, Array.ConvertAll(Pixels, v => (double)v));

    public Tensor? TokensTensor() => Tokens is null ? null : tensor(Tokens, TokensShape);

    public Tensor? PixelsTensor() => Pixels is null ? null : tensor(Pixels, PixelsShape);
}

/// <summary>
/// How raw texts and images become model inputs: the C# tokenizer and preprocessing (ClipTools.Input), or, in tests,
/// a deliberately changed one (an id off, another resampling filter) to show that the verifier catches it.
/// </summary>
public sealed record InputPipeline(Func<string, int, int[]> Tokenize, Func<RgbaImage, int, float[]> Preprocess)
{
    /// <summary>ClipTokenizer with the official merges and ClipPreprocessing (docs/tokenizer.md, docs/preprocessing.md).</summary>
    public static InputPipeline Official { get; } = new(
        // Truncating always: a text the reference fitted in the context and this tokenizer would not is still run,
        // and its ids, differing, fail input.tokens.
        (text, contextLength) => ClipTokenizer.Default.Tokenize(text, contextLength, truncate: true),
        ClipPreprocessing.Preprocess);

    /// <summary>The tokens and pixels of <paramref name="fixture"/>'s raw inputs (null when it has none).</summary>
    /// <exception cref="FixtureFormatException">A raw image this decoder does not read.</exception>
    public OwnInputs? Run(Fixture fixture)
    {
        if (fixture.Raw is not { } raw)
        {
            return null;
        }
        long[]? tokens = null;
        long[] tokensShape = [];
        if (raw.Texts is { } texts)
        {
            tokensShape = [texts.Count, raw.ContextLength];
            tokens = texts.SelectMany(t => Tokenize(t, raw.ContextLength).Select(id => (long)id)).ToArray();
        }
        float[]? pixels = null;
        long[] pixelsShape = [];
        if (raw.Images is { } images)
        {
            pixelsShape = [images.Count, 3, raw.Resolution, raw.Resolution];
            pixels = images.SelectMany(image =>
            {
                try
                {
                    return Preprocess(ImageDecoder.Decode(image.Bytes, image.Name), raw.Resolution);
                }
                catch (ImageFormatException e)
                {
                    throw new FixtureFormatException(fixture.Path, $"raw image {e.Message}");
                }
            }).ToArray();
        }
        return new OwnInputs(tokens, tokensShape, pixels, pixelsShape);
    }
}
