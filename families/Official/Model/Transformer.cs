using ClipTools.Model;
using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>A stack of residual attention blocks, named <c>resblocks.0</c>, <c>resblocks.1</c>, ...</summary>
public sealed class Transformer : nn.Module<Tensor, Tensor>
{
    [TapEach]
    private readonly Sequential resblocks;

    public Transformer(long width, int layers, long heads, bool causal, ClipActivation activation, ModelVariant variant)
        : base(nameof(Transformer))
    {
        resblocks = nn.Sequential(Enumerable.Range(0, layers)
            .Select(i => (i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                (nn.Module<Tensor, Tensor>)new ResidualAttentionBlock(width, heads, causal, activation, variant))));
        RegisterComponents();
    }

    /// <summary>The blocks in order, with their paths relative to this module (<c>resblocks.0</c>, ...).</summary>
    public IEnumerable<(string Path, nn.Module<Tensor, Tensor> Block)> Blocks =>
        resblocks.named_children().Select(c => ($"resblocks.{c.name}", (nn.Module<Tensor, Tensor>)c.module));

    /// <summary>
    /// One stage per block, named <paramref name="prefix"/> + its path; the first takes <paramref name="inputTap"/>
    /// (null: the previous stage's output), each later one the block before it.
    /// </summary>
    public IEnumerable<Stage> Stages(string prefix, string? inputTap)
    {
        foreach (var (path, block) in Blocks)
        {
            yield return new Stage(prefix + path, inputTap, block.call);
            inputTap = prefix + path;
        }
    }

    /// <param name="x">[N, L, D]</param>
    public override Tensor forward(Tensor x) => resblocks.call(x);
}
