using TorchSharp;
using ClipTools.Model.Taps;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// PyTorch's <c>nn.TransformerEncoderLayer</c> with its defaults, as the seed builds it: post-norm
/// (norm1(x + attention), then norm2(x + feed-forward)), ReLU, LayerNorm eps 1e-5, and not batch first: the input
/// is [S, N, D] and attention runs over S. Dropouts are the identity in eval mode.
/// </summary>
public sealed class TransformerEncoderLayer : nn.Module<Tensor, Tensor>
{
    [Tap]
    private readonly TorchMultiheadAttention self_attn;
    [Tap]
    private readonly Linear linear1;
    private readonly Dropout dropout;
    [Tap]
    private readonly Linear linear2;
    [Tap]
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2; // its output is the layer's, tapped as the layer
    private readonly Dropout dropout1;
    private readonly Dropout dropout2;

    public TransformerEncoderLayer(long dModel, long nhead, long dimFeedforward = 2048, double dropout = 0.1)
        : base(nameof(TransformerEncoderLayer))
    {
        self_attn = new TorchMultiheadAttention(dModel, nhead);
        linear1 = nn.Linear(dModel, dimFeedforward);
        this.dropout = nn.Dropout(dropout);
        linear2 = nn.Linear(dimFeedforward, dModel);
        norm1 = nn.LayerNorm(dModel);
        norm2 = nn.LayerNorm(dModel);
        dropout1 = nn.Dropout(dropout);
        dropout2 = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <param name="src">[S, N, D]</param>
    /// <returns>[S, N, D]</returns>
    public override Tensor forward(Tensor src)
    {
        using var scope = NewDisposeScope();
        var x = norm1.call(src + SelfAttentionBlock(src));
        x = norm2.call(x + FeedForwardBlock(x));
        return x.MoveToOuterDisposeScope();
    }

    private Tensor SelfAttentionBlock(Tensor x) => dropout1.call(self_attn.call(x));

    private Tensor FeedForwardBlock(Tensor x) =>
        dropout2.call(linear2.call(dropout.call(nn.functional.relu(linear1.call(x)))));
}
