using TorchSharp;
using ClipTools.Model.Taps;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>The ViT block's MLP: <c>fc1</c>, exact (erf) GELU, <c>fc2</c>.</summary>
public sealed class MLP : nn.Module<Tensor, Tensor>
{
    [Tap]
    private readonly Linear fc1;
    [Tap]
    private readonly GELU act;
    [Tap]
    private readonly Linear fc2;

    public MLP(long inFeatures, long hiddenFeatures) : base(nameof(MLP))
    {
        fc1 = nn.Linear(inFeatures, hiddenFeatures);
        act = nn.GELU();
        fc2 = nn.Linear(hiddenFeatures, inFeatures);
        RegisterComponents();
    }

    /// <param name="x">[B, N, D]</param>
    public override Tensor forward(Tensor x)
    {
        x = fc1.call(x); // [B, N, F]
        x = act.call(x);
        return fc2.call(x); // [B, N, D]
    }
}
