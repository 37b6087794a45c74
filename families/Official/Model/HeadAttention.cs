using ClipTools.Model;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>Scaled dot-product attention over heads, batch first, after the projections.</summary>
internal static class HeadAttention
{
    /// <param name="q">[N, Lq, D]</param>
    /// <param name="k">[N, Lk, D]</param>
    /// <param name="v">[N, Lk, D]</param>
    /// <param name="heads">the number of attention heads D is split into</param>
    /// <param name="mask">added to the scores, [Lq, Lk], or null</param>
    /// <param name="scale">what the scores are scaled by: CLIP's 1/sqrt(head width) unless a variant says otherwise</param>
    /// <returns>[N, Lq, D]</returns>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, long heads, Tensor? mask,
        AttentionScale scale = AttentionScale.InverseSqrtHeadWidth)
    {
        var (n, lq, d) = (q.shape[0], q.shape[1], q.shape[2]);
        var lk = k.shape[1];
        var headDim = d / heads;
        using var scope = NewDisposeScope();
        // Scale q before the product, as PyTorch's multi-head attention does.
        var qh = q.view(n, lq, heads, headDim).transpose(1, 2) / Divisor(scale, headDim, d); // [N, H, Lq, hd]
        var kh = k.view(n, lk, heads, headDim).transpose(1, 2);                        // [N, H, Lk, hd]
        var vh = v.view(n, lk, heads, headDim).transpose(1, 2);                        // [N, H, Lk, hd]
        var scores = qh.matmul(kh.transpose(-2, -1));                                  // [N, H, Lq, Lk]
        if (mask is not null)
        {
            scores = scores + mask;
        }
        var weights = scores.softmax(-1);
        var heads_out = weights.matmul(vh);                                            // [N, H, Lq, hd]
        return heads_out.transpose(1, 2).reshape(n, lq, d).MoveToOuterDisposeScope(); // [N, Lq, D]
    }

    /// <summary>q is divided by this (a division, as PyTorch does, not a multiplication by the inverse).</summary>
    private static double Divisor(AttentionScale scale, long headDim, long width) => scale switch
    {
        AttentionScale.InverseSqrtHeadWidth => Math.Sqrt(headDim),
        AttentionScale.InverseSqrtWidth => Math.Sqrt(width),
        AttentionScale.InverseHeadWidth => headDim,
        AttentionScale.None => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(scale), scale, "unknown attention scale"),
    };
}
