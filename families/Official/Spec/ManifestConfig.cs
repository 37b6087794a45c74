using System.Text.Json;

namespace ClipTools.Families.Official;

/// <summary>
/// A fixture manifest's <c>model</c> object: <see cref="ClipConfig"/>'s fields in snake_case, <c>vision_layers</c> a
/// list (ResNet) or a number (ViT). Manifests written before the activation was recorded were all made by the OpenAI
/// reference network, so a missing <c>activation</c> reads as <c>quick_gelu</c> and a missing <c>vision_heads</c> as
/// width / 64.
/// </summary>
public static class ManifestConfig
{
    public static ClipConfig Read(JsonElement model)
    {
        int Int(string name) => model.GetProperty(name).GetInt32();
        var layers = model.GetProperty("vision_layers");
        var patch = model.TryGetProperty("vision_patch_size", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : (int?)null;
        var activation = model.TryGetProperty("activation", out var a)
            ? ClipActivationNames.Parse(a.GetString() ?? "") ?? throw new FormatException($"unknown activation '{a}'")
            : ClipActivation.QuickGelu;
        var config = new ClipConfig(Int("embed_dim"), Int("image_resolution"),
            layers.ValueKind == JsonValueKind.Array ? layers.EnumerateArray().Select(e => e.GetInt32()).ToArray() : [layers.GetInt32()],
            Int("vision_width"), patch, Int("context_length"), Int("vocab_size"), Int("transformer_width"),
            Int("transformer_heads"), Int("transformer_layers"), activation);
        // written since head counts could differ from width / 64; older manifests follow openai/CLIP's rule
        return model.TryGetProperty("vision_heads", out var heads) ? config with { VisionHeads = heads.GetInt32() } : config;
    }
}
