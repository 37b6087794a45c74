using System.Runtime.InteropServices;
using System.Text;
using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Verifier.Fixtures;

/// <summary>A raw image of a fixture: its file name and the encoded file's bytes.</summary>
public sealed record RawImage(string Name, byte[] Bytes);

/// <summary>
/// The raw inputs of a fixture (docs/fixture-format.md#raw-inputs): the texts (UTF-8 bytes, <c>raw.text.i</c>) behind
/// <c>input.tokens</c>, with the context length and truncation the reference tokenized them with, and the image files
/// (<c>raw.image.i</c>) behind <c>input.pixels</c>, at the model's resolution. Either side may be absent.
/// </summary>
public sealed record RawInputs(IReadOnlyList<string>? Texts, int ContextLength, bool Truncate, IReadOnlyList<RawImage>? Images, int Resolution)
{
    /// <summary>Tap of the reference tokenizer's ids, int64 [T, C].</summary>
    public const string TokensTensor = "input.tokens";

    /// <summary>Tap of the reference preprocessing's pixels, float32 [N, 3, R, R].</summary>
    public const string PixelsTensor = "input.pixels";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    internal static RawInputs Read(string path, TensorSet file, ManifestRawInputs manifest, IModelConfig config)
    {
        var entries = file.Tensors.ToDictionary(t => t.Name);
        TensorEntry Bytes(string? name, string what)
        {
            if (name is null || !entries.TryGetValue(name, out var entry) || entry.DType != DType.UInt8 || entry.Shape.Count != 1)
            {
                throw new FixtureFormatException(path, $"raw_inputs: {what}: tensor '{name}' is missing or not a uint8 vector");
            }
            return entry;
        }
        void Tap(string name, DType dtype, long[] shape)
        {
            if (!entries.TryGetValue(name, out var entry) || entry.DType != dtype || !entry.Shape.SequenceEqual(shape))
            {
                throw new FixtureFormatException(path, $"raw_inputs: tensor '{name}' is missing or not {dtype.Name()} [{string.Join(", ", shape)}]");
            }
        }

        List<string>? texts = null;
        var contextLength = config.ContextLength;
        var truncate = false;
        if (manifest.Texts is { Count: > 0 } textEntries)
        {
            var tokenizer = manifest.Tokenizer ?? throw new FixtureFormatException(path, "raw_inputs: texts without 'tokenizer'");
            if (tokenizer.ContextLength != config.ContextLength)
            {
                throw new FixtureFormatException(path, $"raw_inputs: tokenizer context length {tokenizer.ContextLength} is not the model's {config.ContextLength}");
            }
            (contextLength, truncate) = (tokenizer.ContextLength, tokenizer.Truncate);
            texts = [];
            for (var i = 0; i < textEntries.Count; i++)
            {
                string text;
                try
                {
                    text = StrictUtf8.GetString(Bytes(textEntries[i].Tensor, $"text {i}").ReadBytes());
                }
                catch (DecoderFallbackException)
                {
                    throw new FixtureFormatException(path, $"raw_inputs: text {i} ('{textEntries[i].Tensor}') is not well-formed UTF-8");
                }
                if (textEntries[i].Text is { } shown && shown != text)
                {
                    throw new FixtureFormatException(path, $"raw_inputs: text {i}: the manifest's string differs from tensor '{textEntries[i].Tensor}'");
                }
                texts.Add(text);
            }
            Tap(TokensTensor, DType.Int64, [texts.Count, contextLength]);
        }

        List<RawImage>? images = null;
        var resolution = config.ImageResolution;
        if (manifest.Images is { Count: > 0 } imageEntries)
        {
            var preprocessing = manifest.Preprocessing ?? throw new FixtureFormatException(path, "raw_inputs: images without 'preprocessing'");
            if (preprocessing.Resolution != config.ImageResolution)
            {
                throw new FixtureFormatException(path, $"raw_inputs: preprocessing resolution {preprocessing.Resolution} is not the model's {config.ImageResolution}");
            }
            images = imageEntries.Select((e, i) => new RawImage(e.Name ?? $"image {i}", Bytes(e.Tensor, $"image {i}").ReadBytes())).ToList();
            Tap(PixelsTensor, DType.Float32, [images.Count, 3, resolution, resolution]);
        }
        return new RawInputs(texts, contextLength, truncate, images, resolution);
    }
}

/// <summary>The manifest's <c>raw_inputs</c>, as written (snake_case keys).</summary>
internal sealed record ManifestRawInputs(
    List<ManifestRawText>? Texts = null,
    ManifestTokenizer? Tokenizer = null,
    List<ManifestRawImage>? Images = null,
    ManifestPreprocessing? Preprocessing = null);

internal sealed record ManifestRawText(string? Text, string? Tensor);

internal sealed record ManifestTokenizer(int ContextLength, bool Truncate);

internal sealed record ManifestRawImage(string? Name, string? Tensor);

internal sealed record ManifestPreprocessing(int Resolution);
