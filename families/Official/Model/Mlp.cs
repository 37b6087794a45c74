using ClipTools.Model.Construction;
using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Model.Taps;
using ClipTools.Model;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>
/// The transformer block's MLP: <c>c_fc</c> (4x wider), the activation (OpenAI's QuickGELU, or the exact GELU of
/// open_clip's LAION models; named <c>gelu</c> either way, as in openai/CLIP), <c>c_proj</c>. A
/// <see cref="ModelVariant"/> may swap the activation for another.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    [Tap]
    private readonly Linear c_fc;
    [Tap]
    private readonly nn.Module<Tensor, Tensor> gelu;
    [Tap]
    private readonly Linear c_proj;

    public Mlp(long width, ClipActivation activation, ModelVariant variant) : base("mlp")
    {
        c_fc = Layers.Linear(width, 4 * width);
        gelu = (variant.Activation ?? (activation == ClipActivation.QuickGelu ? VariantActivation.QuickGelu : VariantActivation.ErfGelu)) switch
        {
            VariantActivation.QuickGelu => new QuickGELU(),
            VariantActivation.ErfGelu => nn.GELU(),
            VariantActivation.TanhGelu => new TanhGELU(),
            var other => throw new ArgumentOutOfRangeException(nameof(variant), other, "unknown activation"),
        };
        c_proj = Layers.Linear(4 * width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = c_fc.call(x);
        h = gelu.call(h);
        return c_proj.call(h);
    }
}
