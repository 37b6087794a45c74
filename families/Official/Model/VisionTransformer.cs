using ClipTools.Model.Construction;
using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Model;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>
/// CLIP's ViT image tower: patch convolution, class token, positional embedding, a LayerNorm before the transformer
/// (<c>ln_pre</c>, which the original ViT does not have), and the class token's <c>ln_post</c> projected by <c>proj</c>.
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    [Tap]
    private readonly Conv2d conv1;
    private readonly Parameter class_embedding;        // [W]
    private readonly Parameter positional_embedding;   // [G*G + 1, W]
    [Tap]
    private readonly LayerNorm ln_pre;
    private readonly Transformer transformer;
    [Tap]
    private readonly LayerNorm ln_post;
    private readonly Parameter proj;                   // [W, E]

    public VisionTransformer(int inputResolution, int patchSize, long width, int layers, long heads, long outputDim,
        ClipActivation activation, ModelVariant variant)
        : base(nameof(VisionTransformer))
    {
        var eps = variant.LayerNormEps ?? LayerNorm.DefaultEps;
        var grid = inputResolution / patchSize;
        var scale = 1.0 / Math.Sqrt(width);
        conv1 = Layers.Conv2d(3, width, patchSize, stride: patchSize, bias: false);
        class_embedding = Layers.Parameter([width], () => scale * randn(width));
        positional_embedding = Layers.Parameter([grid * grid + 1, width], () => scale * randn(grid * grid + 1, width));
        ln_pre = new LayerNorm(width, eps);
        transformer = new Transformer(width, layers, heads, causal: variant.ImageCausalMask ?? false, activation, variant);
        ln_post = new LayerNorm(width, eps);
        proj = Layers.Parameter([width, outputDim], () => scale * randn(width, outputDim));
        RegisterComponents();
    }

    /// <param name="x">[N, 3, R, R]</param>
    /// <returns>[N, E]</returns>
    public override Tensor forward(Tensor x) => Head(transformer.call(Embed(x)));

    /// <summary>Patch embedding, each transformer block, head; names relative to this module.</summary>
    public IReadOnlyList<Stage> Stages() =>
    [
        new("embed", null, Embed),
        .. transformer.Stages("transformer.", "ln_pre"),
        new("head", $"transformer.{transformer.Blocks.Last().Path}", Head),
    ];

    /// <param name="x">[N, 3, R, R]</param>
    /// <returns>[N, G*G+1, W]: class token and patches, after <c>ln_pre</c></returns>
    public Tensor Embed(Tensor x)
    {
        using var scope = NewDisposeScope();
        var patches = conv1.call(x);                       // [N, W, G, G]
        var (n, w) = (patches.shape[0], patches.shape[1]);
        var tokens = patches.flatten(2).permute(0, 2, 1);                      // [N, G*G, W]
        var cls = class_embedding.to(tokens.dtype).expand(n, 1, w);            // [N, 1, W]
        tokens = cat([cls, tokens], 1) + positional_embedding.to(tokens.dtype); // [N, G*G+1, W]
        return ln_pre.call(tokens).MoveToOuterDisposeScope();
    }

    /// <param name="tokens">[N, G*G+1, W], the transformer's output</param>
    /// <returns>[N, E]: the class token's <c>ln_post</c>, projected</returns>
    public Tensor Head(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var pooled = ln_post.call(tokens.select(1, 0)); // [N, W]
        return pooled.matmul(proj).MoveToOuterDisposeScope();                  // [N, E]
    }
}
