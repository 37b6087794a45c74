using TorchSharp;
using ClipTools.Model.Taps;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// The ViT's pre-norm block: x + dropout(attn(norm1(x))), then + dropout(mlp(norm2(x))). One <c>dropout</c>
/// module serves both branches, as in the seed; it is the identity in eval mode.
/// </summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    [Tap]
    private readonly LayerNorm norm1;
    [Tap]
    private readonly MultiHeadAttention attn;
    private readonly Dropout dropout; // runs twice per forward; the identity in eval: not a tap
    [Tap]
    private readonly LayerNorm norm2;
    private readonly MLP mlp;

    public TransformerBlock(long embedDim, long numHeads, long mlpHiddenDim, double dropout = 0.0)
        : base(nameof(TransformerBlock))
    {
        norm1 = nn.LayerNorm(embedDim);
        attn = new MultiHeadAttention(embedDim, numHeads);
        this.dropout = nn.Dropout(dropout);
        norm2 = nn.LayerNorm(embedDim);
        mlp = new MLP(embedDim, mlpHiddenDim);
        RegisterComponents();
    }

    /// <param name="x">[B, N, D]</param>
    /// <returns>[B, N, D]</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var identity = x;
        x = norm1.call(x);
        x = attn.call(x);
        x = dropout.call(x);
        x = x + identity;

        identity = x;
        x = norm2.call(x);
        x = mlp.call(x);
        x = dropout.call(x);
        x = x + identity;
        return x.MoveToOuterDisposeScope();
    }
}
