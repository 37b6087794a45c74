using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Families.Official;

/// <summary>
/// openai/CLIP's own names (<c>clip/model.py</c>), also used by open_clip for the OpenAI models: the canonical
/// layout. Only the released TorchScript archives' integer buffers are dropped; a DataParallel <c>module.</c>
/// prefix is stripped before any layout is matched (<see cref="ModulePrefix"/>).
/// </summary>
public static class OfficialLayout
{
    public static Layout Layout { get; } = new(
        "official",
        "Official openai/CLIP (and open_clip)",
        [
            LayoutRule.Drop("input_resolution", "buffer of the released TorchScript archives (int64 scalar), not a weight"),
            LayoutRule.Drop("context_length", "buffer of the released TorchScript archives (int64 scalar), not a weight"),
            LayoutRule.Drop("vocab_size", "buffer of the released TorchScript archives (int64 scalar), not a weight"),
            LayoutRule.Rename("{key}", "{key}", "every other name is already the official one"),
        ],
        [
            // Names only this layout has: the fused attention input projection, the attention pool's c_proj,
            // PyTorch BatchNorm buffers.
            "transformer.resblocks.{bid}.attn.in_proj_weight",
            "visual.transformer.resblocks.{bid}.attn.in_proj_weight",
            "visual.attnpool.c_proj.weight",
            "{module}.running_mean",
            "{module}.num_batches_tracked",
        ]);
}
