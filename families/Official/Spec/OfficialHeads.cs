using System.Globalization;
using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Families.Official;

/// <summary>
/// The head counts of an official-family model, which no tensor shape holds. From metadata (<c>vision_heads</c>,
/// <c>transformer_heads</c>: a Hugging Face config.json's <c>num_attention_heads</c>, our own metadata, <c>--meta</c>);
/// otherwise one per 64 channels, as openai/CLIP's <c>build_model</c> makes them, but only for the namings that
/// <c>build_model</c> loads (official / open_clip, the Paddle port). A Hugging Face checkpoint's heads are in its
/// config.json, and none are assumed. A count that does not divide its width is refused.
/// </summary>
public static class OfficialHeads
{
    public static ClipConfig Apply(ClipConfig shapes, IReadOnlyDictionary<string, string> metadata)
    {
        var layout = metadata.GetValueOrDefault(ModelMetadata.Layout);
        var assumed = layout != HuggingFaceLayout.Layout.Name;
        var text = Heads(metadata, OfficialFamily.TransformerHeadsKey, "text", shapes.TransformerWidth, assumed);
        var vision = Heads(metadata, OfficialFamily.VisionHeadsKey, "image", shapes.VisionAttentionWidth, assumed);
        return shapes with
        {
            TransformerHeads = text ?? shapes.TransformerHeads,
            VisionHeads = vision ?? shapes.VisionHeads,
        };
    }

    /// <summary>The official model's LayerNorms use PyTorch's default epsilon, 1e-5; a checkpoint saying otherwise is another model.</summary>
    public static void CheckLayerNormEps(IReadOnlyDictionary<string, string> metadata)
    {
        if (metadata.TryGetValue(OfficialFamily.LayerNormEpsKey, out var text)
            && !(double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var eps) && Math.Abs(eps - 1e-5) <= 1e-14))
        {
            throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"layer_norm_eps {text}: the official model's LayerNorms use 1e-05");
        }
    }

    private static int? Heads(IReadOnlyDictionary<string, string> metadata, string key, string tower, int width, bool assumed)
    {
        if (!metadata.TryGetValue(key, out var text))
        {
            if (assumed)
            {
                return null;
            }
            throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"the {tower} tower's head count is not in the weights' shapes: pass --meta {key}=N "
                + "or put the Hugging Face config.json (num_attention_heads) beside the weights");
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var heads) || heads <= 0)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"metadata {key}='{text}' is not a positive integer");
        }
        return width % heads == 0
            ? heads
            : throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"{key}={heads} does not divide the {tower} width {width}");
    }
}
