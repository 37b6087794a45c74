using System.Globalization;
using ClipTools.Checkpoints.Families;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// The arguments of the tutorial CLIP's <c>CLIP.__init__</c> (shared seed <c>tutorial_clip.md</c>), one for one.
/// The defaults are the seed's. Dropout rates only matter in training; they are kept so a config says everything
/// the seed's constructor was given.
/// </summary>
public sealed record TutorialClipConfig(
    int ImageSize = 224,
    int PatchSize = 16,
    int InChannels = 3,
    int VocabSize = 30522,
    int EmbedDim = 768,
    int NumHeads = 12,
    int NumLayers = 12,
    int MlpHiddenDim = 3072,
    double Dropout = 0.0,
    int DModel = 768,
    int TextNumLayers = 6,
    int TextNumHeads = 12,
    int TextDFf = 3072,
    int MaxLen = 512,
    double TextDropout = 0.1) : IModelConfig
{
    public string Family => TutorialFamily.FamilyName;

    /// <summary>The image side the tools feed: <c>image_size</c>.</summary>
    public int ImageResolution => ImageSize;

    public int ImageChannels => InChannels;

    /// <summary>
    /// The text length the tools feed: <c>max_len</c>, the positional encoding's length. The model takes any length
    /// up to it, and since it averages every position (padding included) the length changes the features.
    /// </summary>
    public int ContextLength => MaxLen;

    /// <summary>The head counts, exact image size and dropout rates: what the state dict's shapes cannot tell.</summary>
    public IReadOnlyDictionary<string, string> Metadata => TutorialConfigInference.Metadata(this);

    /// <summary>Patches per side: <c>image_size // patch_size</c>, as the seed's <c>PatchEmbedding</c> computes it.</summary>
    public int Grid => ImageSize / PatchSize;

    /// <summary>
    /// Equal when they build the same eval-mode model: the dropout rates are left out, since dropout is the identity
    /// in eval mode and a state dict does not record them (a fixture's manifest may, a bare checkpoint does not).
    /// </summary>
    public bool Equals(TutorialClipConfig? other) => other is not null && Structure == other.Structure;

    public override int GetHashCode() => Structure.GetHashCode();

    private (int, int, int, int, int, int, int, int, int, int, int, int, int) Structure =>
        (ImageSize, PatchSize, InChannels, VocabSize, EmbedDim, NumHeads, NumLayers, MlpHiddenDim, DModel, TextNumLayers,
         TextNumHeads, TextDFf, MaxLen);

    /// <summary>Each field where the two configs differ, as <c>field a vs b</c>.</summary>
    public static IEnumerable<string> Differences(TutorialClipConfig a, TutorialClipConfig b)
    {
        foreach (var property in typeof(TutorialClipConfig).GetProperties().Where(p => p.GetMethod!.IsPublic && p.Name != nameof(Metadata)))
        {
            var (x, y) = (property.GetValue(a), property.GetValue(b));
            if (!Equals(x, y))
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"{property.Name} {x} vs {y}");
            }
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"tutorial CLIP: image {ImageSize}px patch {PatchSize} x{InChannels}, ViT {NumLayers}x{EmbedDim} ({NumHeads} heads, MLP {MlpHiddenDim}), " +
        $"text {TextNumLayers}x{DModel} ({TextNumHeads} heads, FF {TextDFf}), vocab {VocabSize}, max_len {MaxLen}");

    /// <summary>Why this config cannot build the seed's model, or null when it can.</summary>
    public string? Problem() => this switch
    {
        _ when new[] { ImageSize, PatchSize, InChannels, VocabSize, EmbedDim, NumHeads, MlpHiddenDim, DModel,
                       TextNumHeads, TextDFf, MaxLen }.Any(v => v <= 0) || NumLayers < 0 || TextNumLayers < 0 =>
            "every size must be positive (layer counts at least 0)",
        _ when Grid == 0 => $"patch_size {PatchSize} is larger than image_size {ImageSize}",
        _ when EmbedDim % NumHeads != 0 => $"embed_dim {EmbedDim} is not divisible by num_heads {NumHeads}",
        _ when DModel % TextNumHeads != 0 => $"d_model {DModel} is not divisible by text_num_heads {TextNumHeads}",
        _ when EmbedDim != DModel =>
            $"embed_dim {EmbedDim} differs from d_model {DModel}: the seed's logits multiply the two features directly",
        _ when DModel % 2 != 0 => $"d_model {DModel} is odd: the seed's positional encoding needs an even width",
        _ => null,
    };
}
