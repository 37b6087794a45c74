using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// The ViT's self-attention, batch first, with one fused <c>qkv_proj</c>: its output splits as [3, heads, head_dim]
/// (q, k and v are the three thirds; each third holds the heads in order).
/// </summary>
public sealed class MultiHeadAttention : nn.Module<Tensor, Tensor>
{
    private readonly long _numHeads;
    private readonly long _headDim;

    private readonly Linear qkv_proj;
    private readonly Linear out_proj;

    public MultiHeadAttention(long embedDim, long numHeads) : base(nameof(MultiHeadAttention))
    {
        if (embedDim % numHeads != 0)
        {
            throw new ArgumentException($"embed_dim {embedDim} must be divisible by num_heads {numHeads}");
        }
        _numHeads = numHeads;
        _headDim = embedDim / numHeads;
        qkv_proj = nn.Linear(embedDim, 3 * embedDim);
        out_proj = nn.Linear(embedDim, embedDim);
        RegisterComponents();
    }

    /// <param name="x">[B, N, D]</param>
    /// <returns>[B, N, D]</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (b, n, d) = (x.shape[0], x.shape[1], x.shape[2]);
        var qkv = qkv_proj.call(x).reshape(b, n, 3, _numHeads, _headDim).permute(2, 0, 3, 1, 4); // [3, B, H, N, hd]
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);                                                  // [B, H, N, hd]
        var attnScores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(_headDim);                     // [B, H, N, N]
        var attnProbs = attnScores.softmax(-1);
        var attnOutput = attnProbs.matmul(v);                                                       // [B, H, N, hd]
        attnOutput = attnOutput.transpose(1, 2).reshape(b, n, d);                                   // [B, N, D]
        return out_proj.call(attnOutput).MoveToOuterDisposeScope();
    }
}
