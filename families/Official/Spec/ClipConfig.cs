using ClipTools.Checkpoints.Families;

namespace ClipTools.Families.Official;

/// <summary>
/// The hyperparameters of a CLIP model, in the terms of openai/CLIP's <c>build_model</c>. A ModifiedResNet has four
/// block counts in <see cref="VisionLayers"/> and no patch size; a VisionTransformer has one layer count and a patch size.
/// <see cref="Activation"/> is what the shapes cannot tell: OpenAI's QuickGELU or open_clip's exact GELU.
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

    public IReadOnlyDictionary<string, string> Metadata =>
        new Dictionary<string, string> { [OfficialFamily.ActivationKey] = Activation.Name() };

    public bool IsResNet => VisionPatchSize is null;

    /// <summary>Heads of the image tower: one per 64 channels, as the released models were trained.</summary>
    public int VisionHeads => IsResNet ? VisionWidth * 32 / 64 : VisionWidth / 64;

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
        + $" width={VisionWidth} resolution={ImageResolution} embed={EmbedDim}"
        + $" text: width={TransformerWidth} heads={TransformerHeads} layers={TransformerLayers}"
        + $" context={ContextLength} vocab={VocabSize} act={Activation.Name()}";
}
