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
    double TextDropout = 0.1)
{
    /// <summary>Patches per side: <c>image_size // patch_size</c>, as the seed's <c>PatchEmbedding</c> computes it.</summary>
    public int Grid => ImageSize / PatchSize;

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
