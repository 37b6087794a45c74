using TorchSharp;
using ClipTools.Model.Taps;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// The tutorial CLIP's image encoder: patch embedding, a class token and a learned positional embedding (both
/// parameters), pre-norm blocks, a final LayerNorm; the image features are the normalised class token. No
/// projection follows.
/// </summary>
public sealed class ViT : nn.Module<Tensor, Tensor>
{
    private readonly PatchEmbedding patch_embed;
    private readonly Parameter cls_token;   // [1, 1, D]
    private readonly Parameter pos_embed;   // [1, G*G + 1, D]
    [Tap]
    private readonly Dropout dropout;
    [TapEach]
    private readonly ModuleList<TransformerBlock> blocks;
    [Tap]
    private readonly LayerNorm norm;

    public ViT(long imageSize, long patchSize, long inChannels, long embedDim, long numHeads, long numLayers,
        long mlpHiddenDim, double dropout = 0.0) : base(nameof(ViT))
    {
        patch_embed = new PatchEmbedding(imageSize, patchSize, inChannels, embedDim);
        cls_token = new Parameter(zeros(1, 1, embedDim));
        pos_embed = new Parameter(zeros(1, 1 + patch_embed.NumPatches, embedDim));
        this.dropout = nn.Dropout(dropout);
        blocks = nn.ModuleList(Enumerable.Range(0, checked((int)numLayers))
            .Select(_ => new TransformerBlock(embedDim, numHeads, mlpHiddenDim, dropout)).ToArray());
        norm = nn.LayerNorm(embedDim);
        RegisterComponents();
    }

    /// <param name="x">[B, C, R, R]</param>
    /// <returns>[B, D]</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = Embed(x);
        foreach (var block in blocks)
        {
            x = block.call(x);
        }
        return Head(x).MoveToOuterDisposeScope();
    }

    /// <summary>The blocks in order, with their paths relative to this module (<c>blocks.0</c>, ...).</summary>
    public IEnumerable<(string Path, nn.Module<Tensor, Tensor> Block)> Blocks =>
        blocks.Select((block, i) => ($"blocks.{i}", (nn.Module<Tensor, Tensor>)block));

    /// <param name="x">[B, C, R, R]</param>
    /// <returns>[B, G*G+1, D]: class token and patches with the positional embedding, the first block's input</returns>
    public Tensor Embed(Tensor x)
    {
        x = patch_embed.call(x);                          // [B, G*G, D]
        var clsTokens = cls_token.expand(x.shape[0], -1, -1); // [B, 1, D]
        x = cat([clsTokens, x], 1);                       // [B, G*G+1, D]
        x = x + pos_embed;
        return dropout.call(x);
    }

    /// <param name="x">[B, G*G+1, D], the last block's output</param>
    /// <returns>[B, D]: the class token after <c>norm</c></returns>
    public Tensor Head(Tensor x)
    {
        x = norm.call(x);     // [B, G*G+1, D]
        return x.select(1, 0);
    }
}
