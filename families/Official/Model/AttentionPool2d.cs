using ClipTools.Model.Construction;
using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Model;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>
/// Pools a feature map by one attention query: the mean of all positions attends over [mean; positions], each with
/// a learned positional embedding. Separate q/k/v projections and <c>c_proj</c> to the output width.
/// </summary>
public sealed class AttentionPool2d : nn.Module<Tensor, Tensor>
{
    private readonly long _heads;
    private readonly AttentionScale _scale;

    private readonly Parameter positional_embedding;   // [H*W + 1, C]
    private readonly Linear k_proj;
    private readonly Linear q_proj;
    private readonly Linear v_proj;
    private readonly Linear c_proj;

    public AttentionPool2d(long spacialDim, long embedDim, long heads, long outputDim,
        AttentionScale scale = AttentionScale.InverseSqrtHeadWidth) : base(nameof(AttentionPool2d))
    {
        _heads = heads;
        _scale = scale;
        positional_embedding = Layers.Parameter([spacialDim * spacialDim + 1, embedDim],
            () => randn(spacialDim * spacialDim + 1, embedDim) / Math.Sqrt(embedDim));
        k_proj = Layers.Linear(embedDim, embedDim);
        q_proj = Layers.Linear(embedDim, embedDim);
        v_proj = Layers.Linear(embedDim, embedDim);
        c_proj = Layers.Linear(embedDim, outputDim);
        RegisterComponents();
    }

    /// <param name="x">[N, C, H, W]</param>
    /// <returns>[N, output width]</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var tokens = x.flatten(2).permute(0, 2, 1);                           // [N, HW, C]
        tokens = cat([tokens.mean([1], keepdim: true), tokens], 1);           // [N, HW+1, C]
        tokens = tokens + positional_embedding.to(tokens.dtype);              // [N, HW+1, C]
        var query = q_proj.call(tokens.narrow(1, 0, 1));                      // [N, 1, C]
        var pooled = HeadAttention.Attend(query, k_proj.call(tokens), v_proj.call(tokens), _heads, null, _scale);
        var result = c_proj.call(pooled).squeeze(1);                          // [N, output width]
        return result.MoveToOuterDisposeScope();
    }
}
