using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// The seed's own names (what <c>torch.save(model.state_dict())</c> of its <c>CLIP</c> holds): the canonical and only
/// layout. A DataParallel <c>module.</c> prefix is stripped before any layout is matched.
/// </summary>
public static class TutorialLayout
{
    public static Layout Layout { get; } = new(
        "tutorial",
        "Tutorial CLIP (the shared seed tutorial_clip.md)",
        [LayoutRule.Rename("{key}", "{key}", "the seed's names are the canonical ones")],
        [
            // Names only this family has: the ViT's conv patch embedding and fused qkv, the text encoder's buffer.
            "image_encoder.patch_embed.proj.weight",
            "image_encoder.blocks.{bid}.attn.qkv_proj.weight",
            "text_encoder.positional_encoding.pe",
            "text_encoder.transformer_encoder.layers.{bid}.self_attn.in_proj_weight",
        ]);
}
