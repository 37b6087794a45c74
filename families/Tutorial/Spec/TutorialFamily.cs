using System.Text.Json;
using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// The CLIP that tutorials teach (shared seed <c>tutorial_clip.md</c>): a ViT with a conv patch embedding and fused
/// qkv, and a text encoder of PyTorch <c>nn.TransformerEncoder</c> layers that, not being batch first, attend across
/// the texts of a batch. Its head counts are not in the weights: they come from metadata.
/// </summary>
public sealed class TutorialFamily : IFamilySpec
{
    public const string FamilyName = "tutorial";

    public static TutorialFamily Instance { get; } = new();

    public string Name => FamilyName;

    public string Title => "Tutorial CLIP (ViT + nn.TransformerEncoder text encoder, shared seed tutorial_clip.md)";

    public IReadOnlyList<Layout> Layouts { get; } = [TutorialLayout.Layout];

    public IReadOnlyList<string> MetadataKeys { get; } =
    [
        TutorialConfigInference.NumHeads, TutorialConfigInference.TextNumHeads, TutorialConfigInference.ImageSize,
        TutorialConfigInference.Dropout, TutorialConfigInference.TextDropout,
    ];

    /// <summary>The seed's constructor defaults, the only configuration it names.</summary>
    public IReadOnlyDictionary<string, IModelConfig> Presets { get; } =
        new Dictionary<string, IModelConfig> { ["seed-default"] = new TutorialClipConfig() };

    public IModelConfig InferConfig(IReadOnlyDictionary<string, long[]> shapes, IReadOnlyDictionary<string, string> metadata) =>
        TutorialConfigInference.FromShapes(shapes, metadata);

    public IReadOnlyList<StateEntry> ExpectedState(IModelConfig config) =>
        TutorialStateLayout.Expected(Own(config)).Select(e => new StateEntry(e.Name, e.Shape)).ToList();

    public IModelConfig ReadConfig(JsonElement model) =>
        model.Deserialize(TutorialConfigJson.Default.TutorialClipConfig) ?? throw new FormatException("the manifest's model is null");

    public IEnumerable<string> Differences(IModelConfig a, IModelConfig b) => TutorialClipConfig.Differences(Own(a), Own(b));

    public static TutorialClipConfig Own(IModelConfig config) =>
        config as TutorialClipConfig ?? throw new ArgumentException($"not a tutorial CLIP config: {config}", nameof(config));
}
