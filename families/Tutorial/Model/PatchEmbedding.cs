using TorchSharp;
using ClipTools.Model.Taps;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>The ViT's patch embedding: a strided convolution (with bias), flattened to a token sequence.</summary>
public sealed class PatchEmbedding : nn.Module<Tensor, Tensor>
{
    [Tap]
    private readonly Conv2d proj;

    public PatchEmbedding(long imageSize, long patchSize, long inChannels, long embedDim) : base(nameof(PatchEmbedding))
    {
        NumPatches = imageSize / patchSize * (imageSize / patchSize);
        proj = nn.Conv2d(inChannels, embedDim, kernel_size: patchSize, stride: patchSize);
        RegisterComponents();
    }

    public long NumPatches { get; }

    /// <param name="x">[B, C, R, R]</param>
    /// <returns>[B, G*G, D]</returns>
    public override Tensor forward(Tensor x)
    {
        x = proj.call(x);         // [B, D, G, G]
        x = x.flatten(2);         // [B, D, G*G]
        return x.transpose(1, 2); // [B, G*G, D]
    }
}
