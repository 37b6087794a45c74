using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>The sigmoid approximation of GELU that CLIP was trained with: x * sigmoid(1.702 x).</summary>
public sealed class QuickGELU() : nn.Module<Tensor, Tensor>(nameof(QuickGELU))
{
    public override Tensor forward(Tensor x) => x * torch.sigmoid(1.702 * x);
}
