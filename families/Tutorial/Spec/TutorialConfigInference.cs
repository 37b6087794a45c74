using System.Globalization;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// A <see cref="TutorialClipConfig"/> from the seed's state-dict names and shapes, plus metadata for what shapes
/// cannot tell: the two head counts (required; never guessed) and the dropout rates and exact <c>image_size</c>
/// (optional: dropout does nothing in eval, and any image_size with the same patch grid builds the same weights).
/// </summary>
public static class TutorialConfigInference
{
    public const string NumHeads = "num_heads";
    public const string TextNumHeads = "text_num_heads";
    public const string ImageSize = "image_size";
    public const string Dropout = "dropout";
    public const string TextDropout = "text_dropout";

    /// <exception cref="CheckpointFormatException">A tensor is missing or has an impossible shape, or a head count is
    /// not in <paramref name="metadata"/>; the message names the key or the metadata entry.</exception>
    public static TutorialClipConfig FromShapes(IReadOnlyDictionary<string, long[]> shapes, IReadOnlyDictionary<string, string> metadata)
    {
        long[] Shape(string key, int rank)
        {
            if (!shapes.TryGetValue(key, out var shape))
            {
                throw Error(FormatErrorKind.MissingKey, $"not a tutorial CLIP state dict: no '{key}'", key);
            }
            return shape.Length == rank
                ? shape
                : throw Error(FormatErrorKind.ShapeMismatch, $"'{key}' is [{string.Join(", ", shape)}], expected {rank} dimensions", key);
        }

        var proj = Shape("image_encoder.patch_embed.proj.weight", 4);           // [D, C, P, P]
        var (embedDim, inChannels, patch) = (proj[0], proj[1], proj[2]);
        if (proj[3] != patch)
        {
            throw Error(FormatErrorKind.ShapeMismatch, $"'image_encoder.patch_embed.proj.weight' has a {proj[2]}x{proj[3]} kernel; the seed's patches are square",
                "image_encoder.patch_embed.proj.weight");
        }
        var tokens = Shape("image_encoder.pos_embed", 3)[1];                    // [1, G*G + 1, D]
        var grid = (long)Math.Round(Math.Sqrt(tokens - 1));
        if (tokens < 2 || grid * grid != tokens - 1)
        {
            throw Error(FormatErrorKind.ShapeMismatch, $"'image_encoder.pos_embed' has {tokens} positions, not a class token plus a square patch grid",
                "image_encoder.pos_embed");
        }
        var embeddings = Shape("text_encoder.embeddings.weight", 2);            // [V, D]
        var maxLen = Shape("text_encoder.positional_encoding.pe", 3)[1];        // [1, max_len, D]
        var numLayers = CountIndices(shapes, "image_encoder.blocks.");
        var textNumLayers = CountIndices(shapes, "text_encoder.transformer_encoder.layers.");
        var defaults = new TutorialClipConfig();

        var imageSize = Optional(metadata, ImageSize, grid * patch);
        if (imageSize / patch != grid)
        {
            throw Error(FormatErrorKind.BadMetadata, $"metadata {ImageSize}={imageSize} gives a {imageSize / patch}x{imageSize / patch} patch grid, the weights a {grid}x{grid} one", null);
        }
        var config = new TutorialClipConfig(
            ImageSize: Int(imageSize, ImageSize),
            PatchSize: Int(patch, "patch_size"),
            InChannels: Int(inChannels, "in_channels"),
            VocabSize: Int(embeddings[0], "vocab_size"),
            EmbedDim: Int(embedDim, "embed_dim"),
            NumHeads: Int(Required(metadata, NumHeads, "the image encoder's head count"), NumHeads),
            NumLayers: numLayers,
            MlpHiddenDim: numLayers > 0 ? Int(Shape("image_encoder.blocks.0.mlp.fc1.weight", 2)[0], "mlp_hidden_dim") : defaults.MlpHiddenDim,
            Dropout: Rate(metadata, Dropout, defaults.Dropout),
            DModel: Int(embeddings[1], "d_model"),
            TextNumLayers: textNumLayers,
            TextNumHeads: Int(Required(metadata, TextNumHeads, "the text encoder's head count"), TextNumHeads),
            TextDFf: textNumLayers > 0
                ? Int(Shape("text_encoder.transformer_encoder.layers.0.linear1.weight", 2)[0], "text_d_ff")
                : defaults.TextDFf,
            MaxLen: Int(maxLen, "max_len"),
            TextDropout: Rate(metadata, TextDropout, defaults.TextDropout));
        if (config.Problem() is { } problem)
        {
            throw Error(FormatErrorKind.BadMetadata, $"tutorial CLIP: {problem}", null);
        }
        return config;
    }

    /// <summary>What the shapes cannot tell, as it travels with converted weights and comes back to <see cref="FromShapes"/>.</summary>
    public static IReadOnlyDictionary<string, string> Metadata(TutorialClipConfig config) => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        [NumHeads] = config.NumHeads.ToString(CultureInfo.InvariantCulture),
        [TextNumHeads] = config.TextNumHeads.ToString(CultureInfo.InvariantCulture),
        [ImageSize] = config.ImageSize.ToString(CultureInfo.InvariantCulture),
        [Dropout] = config.Dropout.ToString("R", CultureInfo.InvariantCulture),
        [TextDropout] = config.TextDropout.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>How many numbered children (<c>prefix0.</c>, <c>prefix1.</c>, ...) the names have.</summary>
    private static int CountIndices(IReadOnlyDictionary<string, long[]> shapes, string prefix) =>
        shapes.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('.')[0])
            .Distinct()
            .Count();

    private static long Required(IReadOnlyDictionary<string, string> metadata, string key, string what)
    {
        if (!metadata.TryGetValue(key, out var text))
        {
            throw Error(FormatErrorKind.BadMetadata, $"tutorial CLIP: {what} ({key}) is not in the weights' shapes; pass --meta {key}=N or put " +
                $"{{\"{key}\": \"N\"}} in the JSON beside the checkpoint (model.pt -> model.pt.json)", null);
        }
        return Parse(key, text);
    }

    private static long Optional(IReadOnlyDictionary<string, string> metadata, string key, long fallback) =>
        metadata.TryGetValue(key, out var text) ? Parse(key, text) : fallback;

    private static long Parse(string key, string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw Error(FormatErrorKind.BadMetadata, $"metadata {key}='{text}' is not a positive integer", null);

    private static double Rate(IReadOnlyDictionary<string, string> metadata, string key, double fallback)
    {
        if (!metadata.TryGetValue(key, out var text))
        {
            return fallback;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1
            ? rate
            : throw Error(FormatErrorKind.BadMetadata, $"metadata {key}='{text}' is not a dropout rate in [0, 1]", null);
    }

    private static int Int(long value, string what) =>
        value is > 0 and <= int.MaxValue ? (int)value : throw Error(FormatErrorKind.ShapeMismatch, $"tutorial CLIP: {what} {value} is out of range", null);

    private static CheckpointFormatException Error(FormatErrorKind kind, string what, string? key) =>
        new(kind, what, key is null ? null : new FormatPlace(Key: key));
}
