using System.Globalization;
using ClipTools.Checkpoints.Families;

namespace ClipTools.Families.Official;

/// <summary>
/// The hyperparameters of a CLIP model, in the terms of openai/CLIP's <c>build_model</c>. A ModifiedResNet has four
/// block counts in <see cref="VisionLayers"/> and no patch size; a VisionTransformer has one layer count and a patch size.
/// <see cref="Activation"/> and the head counts are what the shapes cannot tell: OpenAI's QuickGELU or open_clip's exact
/// GELU; heads one per 64 channels unless the checkpoint says otherwise (a Hugging Face <c>num_attention_heads</c>).
/// </summary>
public sealed record ClipConfig(
    int EmbedDim,
    int ImageResolution,
    IReadOnlyList<int> VisionLayers,
    int VisionWidth,
    int? VisionPatchSize,
    int ContextLength,
    int VocabSize,
    int TransformerWidth,
    int TransformerHeads,
    int TransformerLayers,
    ClipActivation Activation) : IModelConfig
{
    public string Family => OfficialFamily.FamilyName;

    /// <summary>The activation, and each head count that is not openai/CLIP's width / 64 (only those need telling).</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get
        {
            var metadata = new Dictionary<string, string> { [OfficialFamily.ActivationKey] = Activation.Name() };
            if (VisionHeads != DefaultHeads(VisionAttentionWidth))
            {
                metadata[OfficialFamily.VisionHeadsKey] = VisionHeads.ToString(CultureInfo.InvariantCulture);
            }
            if (TransformerHeads != DefaultHeads(TransformerWidth))
            {
                metadata[OfficialFamily.TransformerHeadsKey] = TransformerHeads.ToString(CultureInfo.InvariantCulture);
            }
            return metadata;
        }
    }

    public bool IsResNet => VisionPatchSize is null;

    /// <summary>
    /// Heads of the image tower's attention (the ViT blocks, or the ResNet's attention pool). openai/CLIP's
    /// <c>build_model</c> gives one per 64 channels; other checkpoints (Hugging Face, open_clip) may say otherwise.
    /// </summary>
    public int VisionHeads { get; init; } = DefaultHeads(VisionPatchSize is null ? VisionWidth * 32 : VisionWidth);

    /// <summary>The width the image tower's attention runs at: the ViT width, or the ResNet's 32 x width.</summary>
    public int VisionAttentionWidth => IsResNet ? VisionWidth * 32 : VisionWidth;

    /// <summary>openai/CLIP's rule: one head per 64 channels.</summary>
    public static int DefaultHeads(int width) => width / 64;

    public static ClipConfig ResNet(int embedDim, int resolution, int[] layers, int width, int textWidth, int textHeads,
        int textLayers = 12, int contextLength = 77, int vocabSize = 49408, ClipActivation activation = ClipActivation.QuickGelu) =>
        new(embedDim, resolution, layers, width, null, contextLength, vocabSize, textWidth, textHeads, textLayers, activation);

    public static ClipConfig Vit(int embedDim, int resolution, int layers, int width, int patch, int textWidth,
        int textHeads, int textLayers = 12, int contextLength = 77, int vocabSize = 49408,
        ClipActivation activation = ClipActivation.QuickGelu) =>
        new(embedDim, resolution, [layers], width, patch, contextLength, vocabSize, textWidth, textHeads, textLayers, activation);

    public bool Equals(ClipConfig? other) =>
        other is not null && ToString() == other.ToString();

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    public override string ToString() =>
        (IsResNet ? $"ResNet layers=({string.Join(",", VisionLayers)})" : $"ViT layers={VisionLayers[0]} patch={VisionPatchSize}")
        + $" width={VisionWidth} heads={VisionHeads} resolution={ImageResolution} embed={EmbedDim}"
        + $" text: width={TransformerWidth} heads={TransformerHeads} layers={TransformerLayers}"
        + $" context={ContextLength} vocab={VocabSize} act={Activation.Name()}";
}
