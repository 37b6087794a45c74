using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>
/// The transformer block's MLP: <c>c_fc</c> (4x wider), the activation (OpenAI's QuickGELU, or the exact GELU of
/// open_clip's LAION models; named <c>gelu</c> either way, as in openai/CLIP), <c>c_proj</c>.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    [Tap]
    private readonly Linear c_fc;
    [Tap]
    private readonly nn.Module<Tensor, Tensor> gelu;
    [Tap]
    private readonly Linear c_proj;

    public Mlp(long width, ClipActivation activation) : base("mlp")
    {
        c_fc = nn.Linear(width, 4 * width);
        gelu = activation == ClipActivation.QuickGelu ? new QuickGELU() : nn.GELU();
        c_proj = nn.Linear(4 * width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = c_fc.call(x);
        h = gelu.call(h);
        return c_proj.call(h);
    }
}
