using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Families.Official;

/// <summary>
/// The Paddle port of CLIP (shared/seeds/paddle_clip_port.md, the <c>RN50.pdparams</c>... it loads with
/// <c>set_dict</c>). Structured names follow the official ones, except where Paddle's layers differ:
/// <c>paddle.nn.Linear</c> stores its weight as <c>[in, out]</c>, <c>paddle.nn.MultiHeadAttention</c> has separate
/// q/k/v projections, <c>BatchNorm2D</c> calls its running stats <c>_mean</c>/<c>_variance</c> and has no
/// <c>num_batches_tracked</c>, and <c>logit_scale</c> is created with shape <c>[1]</c>.
/// </summary>
public static class PaddleLayout
{
    public static Layout Layout { get; } = new(
        "paddle",
        "Paddle port (.pdparams)",
        [
            // ModifiedResNet.attnpool: AttentionPool2D.attn is the port's MultiHeadAttention, a
            // paddle.nn.MultiHeadAttention whose out_proj is replaced by Linear(embed_dim, output_dim).
            LayoutRule.Transpose("visual.attnpool.q_proj.weight", "visual.attnpool.attn.q_proj.weight", "AttentionPool2D.attn.q_proj: paddle Linear, [in, out]"),
            LayoutRule.Rename("visual.attnpool.q_proj.bias", "visual.attnpool.attn.q_proj.bias", "AttentionPool2D.attn.q_proj bias"),
            LayoutRule.Transpose("visual.attnpool.k_proj.weight", "visual.attnpool.attn.k_proj.weight", "AttentionPool2D.attn.k_proj: paddle Linear, [in, out]"),
            LayoutRule.Rename("visual.attnpool.k_proj.bias", "visual.attnpool.attn.k_proj.bias", "AttentionPool2D.attn.k_proj bias"),
            LayoutRule.Transpose("visual.attnpool.v_proj.weight", "visual.attnpool.attn.v_proj.weight", "AttentionPool2D.attn.v_proj: paddle Linear, [in, out]"),
            LayoutRule.Rename("visual.attnpool.v_proj.bias", "visual.attnpool.attn.v_proj.bias", "AttentionPool2D.attn.v_proj bias"),
            LayoutRule.Transpose("visual.attnpool.c_proj.weight", "visual.attnpool.attn.out_proj.weight", "AttentionPool2D.attn.out_proj (the official c_proj): paddle Linear, [in, out]"),
            LayoutRule.Rename("visual.attnpool.c_proj.bias", "visual.attnpool.attn.out_proj.bias", "AttentionPool2D.attn.out_proj bias (the official c_proj)"),
            .. ResidualBlock("visual.transformer"),
            .. ResidualBlock("transformer"),
            // paddle.nn.BatchNorm2D: running statistics are parameters named _mean / _variance.
            LayoutRule.Rename("{module}.running_mean", "{module}._mean", "BatchNorm2D._mean"),
            LayoutRule.Rename("{module}.running_var", "{module}._variance", "BatchNorm2D._variance"),
            LayoutRule.SynthesizeZero("{module}.num_batches_tracked", "{module}._mean",
                "BatchNorm2D keeps no batch count; 0 (a fresh PyTorch BatchNorm's value; eval never reads it)"),
            LayoutRule.Reshape("logit_scale", [], "logit_scale", [1], "CLIP.logit_scale is create_parameter(shape=(1,))"),
            // paddle.save's tables; the reader reports them as ignored, listed here for completeness.
            LayoutRule.Drop("StructuredToParameterName@@", "paddle.save's name table (structured name -> parameter name)"),
            LayoutRule.Drop("UnpackBigParamInfor@@", "paddle.save's table of arrays split into slices"),
            LayoutRule.Rename("{key}", "{key}", "every other name is the official one (Conv2D, LayerNorm, Embedding weights and the bare parameters have the official shapes)"),
        ],
        [
            "transformer.resblocks.{bid}.attn.q_proj.weight",
            "visual.transformer.resblocks.{bid}.attn.q_proj.weight",
            "visual.attnpool.attn.q_proj.weight",
            "{module}._mean",
            "{module}._variance",
        ],
        uint16IsBFloat16: true);

    /// <summary>The port's ResidualAttentionBlock: MultiHeadAttention plus an mlp of two paddle Linears.</summary>
    private static LayoutRule[] ResidualBlock(string stack)
    {
        var b = $"{stack}.resblocks.{{bid}}";
        return
        [
            LayoutRule.TransposeConcat($"{b}.attn.in_proj_weight", [$"{b}.attn.q_proj.weight", $"{b}.attn.k_proj.weight", $"{b}.attn.v_proj.weight"],
                "MultiHeadAttention q_proj, k_proj, v_proj: each [in, out], transposed, then stacked q, k, v"),
            LayoutRule.Concat($"{b}.attn.in_proj_bias", [$"{b}.attn.q_proj.bias", $"{b}.attn.k_proj.bias", $"{b}.attn.v_proj.bias"],
                "MultiHeadAttention q, k, v biases, stacked q, k, v"),
            LayoutRule.Transpose($"{b}.attn.out_proj.weight", $"{b}.attn.out_proj.weight", "MultiHeadAttention.out_proj: paddle Linear, [in, out]"),
            LayoutRule.Transpose($"{b}.mlp.c_fc.weight", $"{b}.mlp.c_fc.weight", "mlp.c_fc: paddle Linear, [in, out]"),
            LayoutRule.Transpose($"{b}.mlp.c_proj.weight", $"{b}.mlp.c_proj.weight", "mlp.c_proj: paddle Linear, [in, out]"),
        ];
    }
}
