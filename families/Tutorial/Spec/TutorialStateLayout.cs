namespace ClipTools.Families.Tutorial;

/// <summary>
/// The seed's state dict for a config (names and shapes) without building the network, in the order the TorchSharp
/// model's <c>state_dict()</c> lists it: every parameter in module order, then the one buffer, <c>pe</c>.
/// </summary>
public static class TutorialStateLayout
{
    public static IReadOnlyList<(string Name, long[] Shape)> Expected(TutorialClipConfig c)
    {
        long d = c.EmbedDim, t = c.DModel;
        var state = new List<(string, long[])>
        {
            ("logit_scale", []),
            ("image_encoder.cls_token", [1, 1, d]),
            ("image_encoder.pos_embed", [1, ((long)c.Grid * c.Grid) + 1, d]),
            ("image_encoder.patch_embed.proj.weight", [d, c.InChannels, c.PatchSize, c.PatchSize]),
            ("image_encoder.patch_embed.proj.bias", [d]),
        };
        for (var i = 0; i < c.NumLayers; i++)
        {
            var p = $"image_encoder.blocks.{i}";
            state.AddRange(
            [
                ($"{p}.norm1.weight", [d]), ($"{p}.norm1.bias", [d]),
                ($"{p}.attn.qkv_proj.weight", [3 * d, d]), ($"{p}.attn.qkv_proj.bias", [3 * d]),
                ($"{p}.attn.out_proj.weight", [d, d]), ($"{p}.attn.out_proj.bias", [d]),
                ($"{p}.norm2.weight", [d]), ($"{p}.norm2.bias", [d]),
                ($"{p}.mlp.fc1.weight", [c.MlpHiddenDim, d]), ($"{p}.mlp.fc1.bias", [c.MlpHiddenDim]),
                ($"{p}.mlp.fc2.weight", [d, c.MlpHiddenDim]), ($"{p}.mlp.fc2.bias", [d]),
            ]);
        }
        state.AddRange([("image_encoder.norm.weight", [d]), ("image_encoder.norm.bias", [d])]);
        state.Add(("text_encoder.embeddings.weight", [c.VocabSize, t]));
        for (var i = 0; i < c.TextNumLayers; i++)
        {
            var p = $"text_encoder.transformer_encoder.layers.{i}";
            state.AddRange(
            [
                ($"{p}.self_attn.in_proj_weight", [3 * t, t]), ($"{p}.self_attn.in_proj_bias", [3 * t]),
                ($"{p}.self_attn.out_proj.weight", [t, t]), ($"{p}.self_attn.out_proj.bias", [t]),
                ($"{p}.linear1.weight", [c.TextDFf, t]), ($"{p}.linear1.bias", [c.TextDFf]),
                ($"{p}.linear2.weight", [t, c.TextDFf]), ($"{p}.linear2.bias", [t]),
                ($"{p}.norm1.weight", [t]), ($"{p}.norm1.bias", [t]),
                ($"{p}.norm2.weight", [t]), ($"{p}.norm2.bias", [t]),
            ]);
        }
        state.Add(("text_encoder.positional_encoding.pe", [1, c.MaxLen, t]));
        return state;
    }
}
