using TorchSharp;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>Pre-norm transformer block: x + attn(ln_1(x)), then + mlp(ln_2(x)). Batch first, [N, L, D].</summary>
public sealed class ResidualAttentionBlock : nn.Module<Tensor, Tensor>, ITapped
{
    private readonly MultiheadAttention attn;
    private readonly LayerNorm ln_1;
    private readonly Mlp mlp;
    private readonly LayerNorm ln_2;

    public ResidualAttentionBlock(long width, long heads, bool causal) : base(nameof(ResidualAttentionBlock))
    {
        attn = new MultiheadAttention(width, heads, causal);
        ln_1 = new LayerNorm(width);
        mlp = new Mlp(width);
        ln_2 = new LayerNorm(width);
        RegisterComponents();
    }

    public TapPoint Taps { get; } = new();

    public override Tensor forward(Tensor x)
    {
        var h = Taps.Child("ln_1", ln_1.call(x));
        x = x + Taps.Child("attn", attn.call(h));
        h = Taps.Child("ln_2", ln_2.call(x));
        return Taps.Output(x + mlp.call(h));
    }
}
