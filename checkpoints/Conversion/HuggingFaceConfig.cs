using System.Globalization;
using System.Text.Json;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// What a Hugging Face <c>config.json</c> (<c>model_type</c> <c>clip</c>, a <c>CLIPConfig</c>) says that the weights'
/// shapes cannot: per tower <c>hidden_act</c> (metadata <c>activation</c>), <c>num_attention_heads</c>
/// (<c>transformer_heads</c> for <c>text_config</c>, <c>vision_heads</c> for <c>vision_config</c>) and
/// <c>layer_norm_eps</c>. <c>save_pretrained</c> leaves out a value equal to the config class's default, and
/// transformers then loads the default, so an absent one reads as transformers' <c>CLIPTextConfig</c> /
/// <c>CLIPVisionConfig</c> default: 8 text heads, 12 image heads, <c>quick_gelu</c>, 1e-5.
/// </summary>
public static class HuggingFaceConfig
{
    private static readonly (string Section, string HeadsKey, int DefaultHeads)[] Towers =
    [
        ("text_config", "transformer_heads", 8),
        ("vision_config", "vision_heads", 12),
    ];

    private const string DefaultActivation = "quick_gelu";
    private const double DefaultLayerNormEps = 1e-5;

    /// <summary>Whether <paramref name="config"/> is a CLIPConfig (the only config.json read).</summary>
    public static bool IsClip(JsonElement config) =>
        config.ValueKind == JsonValueKind.Object && config.TryGetProperty("model_type", out var type)
        && type.ValueKind == JsonValueKind.String && type.GetString() == "clip";

    /// <summary>(metadata key, value, where it was read) for each tower, defaults included.</summary>
    public static IEnumerable<(string Key, string Value, string From)> Entries(JsonElement config)
    {
        // Older configs kept one hidden_act at the top; there, an absent tower value is not the class default.
        var topAct = config.TryGetProperty("hidden_act", out var top) ? top : (JsonElement?)null;
        if (topAct is { } act)
        {
            yield return ("activation", Text(act), "config.json hidden_act");
        }
        foreach (var (section, headsKey, defaultHeads) in Towers)
        {
            var body = config.TryGetProperty(section, out var sub) && sub.ValueKind == JsonValueKind.Object ? sub : (JsonElement?)null;
            string From(string key, bool present) =>
                present ? $"config.json {section}.{key}" : $"config.json {section}.{key} (absent: transformers' default)";

            var hasAct = body?.TryGetProperty("hidden_act", out _) == true;
            if (hasAct || topAct is null)
            {
                yield return ("activation", hasAct ? Text(body!.Value.GetProperty("hidden_act")) : DefaultActivation, From("hidden_act", hasAct));
            }
            var hasHeads = body?.TryGetProperty("num_attention_heads", out _) == true;
            yield return (headsKey, hasHeads ? Text(body!.Value.GetProperty("num_attention_heads")) : defaultHeads.ToString(CultureInfo.InvariantCulture),
                From("num_attention_heads", hasHeads));
            var hasEps = body?.TryGetProperty("layer_norm_eps", out _) == true;
            var eps = hasEps ? body!.Value.GetProperty("layer_norm_eps") : default;
            yield return ("layer_norm_eps", !hasEps ? DefaultLayerNormEps.ToString("R", CultureInfo.InvariantCulture)
                : eps.ValueKind == JsonValueKind.Number ? eps.GetDouble().ToString("R", CultureInfo.InvariantCulture) : Text(eps),
                From("layer_norm_eps", hasEps));
        }
    }

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.ToString();
}
