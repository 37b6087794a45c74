using ClipTools.Model.Construction;
using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Model;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>
/// Self-attention with PyTorch's <c>nn.MultiheadAttention</c> parameters (<c>in_proj_weight</c> holds q, k and v
/// stacked), batch first. A causal block masks every position after the query.
/// </summary>
public sealed class MultiheadAttention : nn.Module<Tensor, Tensor>
{
    private readonly long _heads;
    private readonly bool _causal;
    private readonly AttentionScale _scale;

    private readonly Parameter in_proj_weight;   // [3D, D]
    private readonly Parameter in_proj_bias;     // [3D]
    private readonly Linear out_proj;

    public MultiheadAttention(long width, long heads, bool causal, AttentionScale scale = AttentionScale.InverseSqrtHeadWidth)
        : base(nameof(MultiheadAttention))
    {
        _heads = heads;
        _causal = causal;
        _scale = scale;
        in_proj_weight = Layers.Parameter([3 * width, width], () => nn.init.xavier_uniform_(empty(3 * width, width)));
        in_proj_bias = new Parameter(zeros(3 * width));
        out_proj = Layers.Linear(width, width);
        RegisterComponents();
    }

    /// <param name="x">[N, L, D]</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var qkv = nn.functional.linear(x, in_proj_weight, in_proj_bias).chunk(3, -1);  // 3 x [N, L, D]
        var length = x.shape[1];
        using var mask = _causal ? CausalMask(length, x.dtype) : null;
        var attended = HeadAttention.Attend(qkv[0], qkv[1], qkv[2], _heads, mask, _scale);
        return out_proj.call(attended).MoveToOuterDisposeScope();
    }

    /// <summary>[L, L]: 0 on and below the diagonal, -inf above it.</summary>
    private static Tensor CausalMask(long length, ScalarType dtype) =>
        full(length, length, double.NegativeInfinity, dtype).triu(1);
}
