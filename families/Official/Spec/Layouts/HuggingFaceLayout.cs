using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Families.Official;

/// <summary>
/// Hugging Face transformers' <c>CLIPModel</c> (<c>models/clip/modeling_clip.py</c>), ViT models only: HF has no
/// ModifiedResNet. Its Linear weights are <c>[out, in]</c> like PyTorch's, so only the two projections (HF Linears
/// standing for the official bare <c>[width, embed]</c> matrices) are transposed.
/// </summary>
public static class HuggingFaceLayout
{
    public static Layout Layout { get; } = new(
        "huggingface",
        "Hugging Face transformers CLIPModel (ViT)",
        [
            LayoutRule.Rename("visual.class_embedding", "vision_model.embeddings.class_embedding", "CLIPVisionEmbeddings.class_embedding"),
            LayoutRule.Rename("visual.conv1.weight", "vision_model.embeddings.patch_embedding.weight", "CLIPVisionEmbeddings.patch_embedding (Conv2d, no bias)"),
            LayoutRule.Rename("visual.positional_embedding", "vision_model.embeddings.position_embedding.weight", "CLIPVisionEmbeddings.position_embedding (an nn.Embedding)"),
            LayoutRule.Drop("vision_model.embeddings.position_ids", "CLIPVisionEmbeddings buffer arange(positions), not a weight"),
            LayoutRule.Rename("visual.ln_pre.{wb}", "vision_model.pre_layrnorm.{wb}", "CLIPVisionTransformer.pre_layrnorm (HF's spelling)"),
            .. EncoderLayer("visual.transformer", "vision_model"),
            LayoutRule.Rename("visual.ln_post.{wb}", "vision_model.post_layernorm.{wb}", "CLIPVisionTransformer.post_layernorm"),
            LayoutRule.Transpose("visual.proj", "visual_projection.weight", "CLIPModel.visual_projection: Linear(width, embed, bias=False), [embed, width]"),
            LayoutRule.Rename("token_embedding.weight", "text_model.embeddings.token_embedding.weight", "CLIPTextEmbeddings.token_embedding"),
            LayoutRule.Rename("positional_embedding", "text_model.embeddings.position_embedding.weight", "CLIPTextEmbeddings.position_embedding (an nn.Embedding)"),
            LayoutRule.Drop("text_model.embeddings.position_ids", "CLIPTextEmbeddings buffer arange(context), not a weight"),
            .. EncoderLayer("transformer", "text_model"),
            LayoutRule.Rename("ln_final.{wb}", "text_model.final_layer_norm.{wb}", "CLIPTextTransformer.final_layer_norm"),
            LayoutRule.Transpose("text_projection", "text_projection.weight", "CLIPModel.text_projection: Linear(width, embed, bias=False), [embed, width]"),
            LayoutRule.Rename("logit_scale", "logit_scale", "CLIPModel.logit_scale (0-d, as official)"),
        ],
        [
            "vision_model.{key}",
            "text_model.{key}",
            "visual_projection.weight",
            "text_projection.weight",
        ]);

    /// <summary>CLIPEncoderLayer: self_attn with separate q/k/v/out Linears, layer_norm1, mlp fc1/fc2, layer_norm2.</summary>
    private static LayoutRule[] EncoderLayer(string official, string tower)
    {
        var o = $"{official}.resblocks.{{bid}}";
        var h = $"{tower}.encoder.layers.{{bid}}";
        return
        [
            LayoutRule.Concat($"{o}.attn.in_proj_weight", [$"{h}.self_attn.q_proj.weight", $"{h}.self_attn.k_proj.weight", $"{h}.self_attn.v_proj.weight"],
                "CLIPAttention q_proj, k_proj, v_proj ([out, in] each), stacked q, k, v"),
            LayoutRule.Concat($"{o}.attn.in_proj_bias", [$"{h}.self_attn.q_proj.bias", $"{h}.self_attn.k_proj.bias", $"{h}.self_attn.v_proj.bias"],
                "CLIPAttention q, k, v biases, stacked q, k, v"),
            LayoutRule.Rename($"{o}.attn.out_proj.{{wb}}", $"{h}.self_attn.out_proj.{{wb}}", "CLIPAttention.out_proj"),
            LayoutRule.Rename($"{o}.ln_1.{{wb}}", $"{h}.layer_norm1.{{wb}}", "CLIPEncoderLayer.layer_norm1"),
            LayoutRule.Rename($"{o}.mlp.c_fc.{{wb}}", $"{h}.mlp.fc1.{{wb}}", "CLIPMLP.fc1"),
            LayoutRule.Rename($"{o}.mlp.c_proj.{{wb}}", $"{h}.mlp.fc2.{{wb}}", "CLIPMLP.fc2"),
            LayoutRule.Rename($"{o}.ln_2.{{wb}}", $"{h}.layer_norm2.{{wb}}", "CLIPEncoderLayer.layer_norm2"),
        ];
    }
}
