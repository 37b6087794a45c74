using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Model.Official;

/// <summary>A stack of residual attention blocks, named <c>resblocks.0</c>, <c>resblocks.1</c>, ...</summary>
public sealed class Transformer : nn.Module<Tensor, Tensor>
{
    private readonly Sequential resblocks;

    public Transformer(long width, int layers, long heads, bool causal) : base(nameof(Transformer))
    {
        resblocks = nn.Sequential(Enumerable.Range(0, layers)
            .Select(i => (i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                (nn.Module<Tensor, Tensor>)new ResidualAttentionBlock(width, heads, causal))));
        RegisterComponents();
    }

    /// <param name="x">[N, L, D]</param>
    public override Tensor forward(Tensor x) => resblocks.call(x);
}
