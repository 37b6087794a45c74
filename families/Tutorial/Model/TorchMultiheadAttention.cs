using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// PyTorch's <c>nn.MultiheadAttention</c> as <c>nn.TransformerEncoderLayer</c> uses it: self-attention, no mask,
/// sequence first ([S, N, D]: every one of the N columns attends over its S rows). Parameters as PyTorch names them:
/// <c>in_proj_weight</c> holds q, k and v stacked. (Named apart from the seed's <see cref="MultiHeadAttention"/>,
/// whose name differs from PyTorch's only in case.)
/// </summary>
public sealed class TorchMultiheadAttention : nn.Module<Tensor, Tensor>
{
    private readonly long _numHeads;

    private readonly Parameter in_proj_weight; // [3D, D]
    private readonly Parameter in_proj_bias;   // [3D]
    private readonly Linear out_proj;

    public TorchMultiheadAttention(long embedDim, long numHeads) : base("MultiheadAttention")
    {
        if (embedDim % numHeads != 0)
        {
            throw new ArgumentException($"embed_dim {embedDim} must be divisible by num_heads {numHeads}");
        }
        _numHeads = numHeads;
        in_proj_weight = new Parameter(empty(3 * embedDim, embedDim));
        in_proj_bias = new Parameter(zeros(3 * embedDim));
        out_proj = nn.Linear(embedDim, embedDim);
        nn.init.xavier_uniform_(in_proj_weight);
        RegisterComponents();
    }

    /// <param name="x">[S, N, D]</param>
    /// <returns>[S, N, D]</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (s, n, d) = (x.shape[0], x.shape[1], x.shape[2]);
        var headDim = d / _numHeads;
        var qkv = nn.functional.linear(x, in_proj_weight, in_proj_bias).chunk(3, -1);      // 3 x [S, N, D]
        // [S, N, D] -> [S, N*H, hd] -> [N*H, S, hd]: one attention problem per column and head
        Tensor Heads(Tensor t) => t.contiguous().view(s, n * _numHeads, headDim).transpose(0, 1);
        var q = Heads(qkv[0]) / Math.Sqrt(headDim);                                         // scaled first, as PyTorch does
        var weights = bmm(q, Heads(qkv[1]).transpose(-2, -1)).softmax(-1);                  // [N*H, S, S]
        var attended = bmm(weights, Heads(qkv[2]));                                         // [N*H, S, hd]
        attended = attended.transpose(0, 1).contiguous().view(s, n, d);                     // [S, N, D]
        return out_proj.call(attended).MoveToOuterDisposeScope();
    }
}
