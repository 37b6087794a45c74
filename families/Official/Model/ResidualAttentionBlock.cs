using TorchSharp;
using ClipTools.Model;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>Pre-norm transformer block: x + attn(ln_1(x)), then + mlp(ln_2(x)). Batch first, [N, L, D].</summary>
public sealed class ResidualAttentionBlock : nn.Module<Tensor, Tensor>
{
    [Tap]
    private readonly MultiheadAttention attn;
    [Tap]
    private readonly LayerNorm ln_1;
    private readonly Mlp mlp;
    [Tap]
    private readonly LayerNorm ln_2;

    public ResidualAttentionBlock(long width, long heads, bool causal, ClipActivation activation, ModelVariant variant)
        : base(nameof(ResidualAttentionBlock))
    {
        var eps = variant.LayerNormEps ?? LayerNorm.DefaultEps;
        attn = new MultiheadAttention(width, heads, causal, variant.AttentionScale ?? AttentionScale.InverseSqrtHeadWidth);
        ln_1 = new LayerNorm(width, eps);
        mlp = new Mlp(width, activation, variant);
        ln_2 = new LayerNorm(width, eps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        // The block's intermediates are freed when it returns (see Bottleneck.forward).
        using var scope = NewDisposeScope();
        var h = ln_1.call(x);
        x = x + attn.call(h);
        h = ln_2.call(x);
        return (x + mlp.call(h)).MoveToOuterDisposeScope();
    }
}
