using System.Text.Json;
using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Families.Official;

/// <summary>
/// OpenAI's CLIP as openai/CLIP's <c>model.py</c> defines it (also open_clip's OpenAI-architecture models, the Paddle
/// port and Hugging Face's <c>CLIPModel</c>): ModifiedResNet or ViT image tower, causal text transformer.
/// </summary>
public sealed class OfficialFamily : IFamilySpec
{
    public const string FamilyName = "official";

    /// <summary>Metadata key of the MLP activation: <c>quick_gelu</c> or <c>gelu</c>.</summary>
    public const string ActivationKey = "activation";

    /// <summary>Metadata key of the image tower's head count (Hugging Face <c>vision_config.num_attention_heads</c>).</summary>
    public const string VisionHeadsKey = "vision_heads";

    /// <summary>Metadata key of the text tower's head count (Hugging Face <c>text_config.num_attention_heads</c>).</summary>
    public const string TransformerHeadsKey = "transformer_heads";

    /// <summary>Metadata key of the LayerNorm epsilon (Hugging Face <c>layer_norm_eps</c>): only 1e-5 is this model.</summary>
    public const string LayerNormEpsKey = "layer_norm_eps";

    public static OfficialFamily Instance { get; } = new();

    public string Name => FamilyName;

    public string Title => "OpenAI CLIP (openai/CLIP, open_clip, Paddle port, Hugging Face CLIPModel)";

    public IReadOnlyList<Layout> Layouts { get; } = [OfficialLayout.Layout, PaddleLayout.Layout, HuggingFaceLayout.Layout];

    public IReadOnlyDictionary<string, IModelConfig> Presets { get; } =
        ClipPresets.All.ToDictionary(p => p.Key, p => (IModelConfig)p.Value);

    public IReadOnlyList<string> MetadataKeys { get; } = [ActivationKey, VisionHeadsKey, TransformerHeadsKey, LayerNormEpsKey];

    public IModelConfig InferConfig(IReadOnlyDictionary<string, long[]> shapes, IReadOnlyDictionary<string, string> metadata)
    {
        var config = OfficialHeads.Apply(ClipConfigInference.FromShapes(shapes, ActivationOf(metadata)), metadata);
        OfficialHeads.CheckLayerNormEps(metadata);
        return config;
    }

    public IReadOnlyList<StateEntry> ExpectedState(IModelConfig config) => ClipStateLayout.Expected(Own(config));

    public IModelConfig ReadConfig(JsonElement model) => ManifestConfig.Read(model);

    public IEnumerable<string> Differences(IModelConfig a, IModelConfig b) => ClipConfigDifferences.Of(Own(a), Own(b));

    public static ClipConfig Own(IModelConfig config) =>
        config as ClipConfig ?? throw new ArgumentException($"not an official CLIP config: {config}", nameof(config));

    /// <summary>
    /// The activation, from what travels with the weights: an explicit <c>activation</c> (<c>--act</c>, a Hugging Face
    /// <c>hidden_act</c>, our own metadata), the layout (the Paddle port has QuickGELU only), or a TorchScript
    /// archive's code (the classes it defines). Never guessed: a bare state dict says nothing, and is refused.
    /// </summary>
    private static ClipActivation ActivationOf(IReadOnlyDictionary<string, string> metadata)
    {
        if (metadata.TryGetValue(ActivationKey, out var name))
        {
            return ClipActivationNames.Parse(name)
                ?? throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"unknown activation '{name}' (quick_gelu or gelu)");
        }
        if (metadata.TryGetValue(ModelMetadata.Layout, out var layout) && layout == PaddleLayout.Layout.Name)
        {
            return ClipActivation.QuickGelu;
        }
        if (metadata.TryGetValue(ModelMetadata.TorchScriptClasses, out var classes))
        {
            var names = classes.Split(',').Select(c => c[(c.LastIndexOf('.') + 1)..]).ToHashSet(StringComparer.Ordinal);
            var quick = names.Contains("QuickGELU");
            var exact = names.Contains("GELU");
            if (quick != exact)
            {
                return quick ? ClipActivation.QuickGelu : ClipActivation.Gelu;
            }
        }
        throw new CheckpointFormatException(
            FormatErrorKind.BadMetadata, "the checkpoint does not say which activation its MLPs use (OpenAI's QuickGELU or open_clip's exact GELU, "
            + "same tensor names): pass --act quick_gelu or --act gelu, or put the Hugging Face config.json beside it");
    }
}
