using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>The transformer block's MLP: <c>c_fc</c> (4x wider), QuickGELU, <c>c_proj</c>.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>, ITapped
{
    private readonly Linear c_fc;
    private readonly QuickGELU gelu;
    private readonly Linear c_proj;

    public Mlp(long width) : base("mlp")
    {
        c_fc = nn.Linear(width, 4 * width);
        gelu = new QuickGELU();
        c_proj = nn.Linear(4 * width, width);
        RegisterComponents();
    }

    public TapPoint Taps { get; } = new();

    public override Tensor forward(Tensor x)
    {
        var h = Taps.Child("c_fc", c_fc.call(x));
        h = Taps.Child("gelu", gelu.call(h));
        return Taps.Child("c_proj", c_proj.call(h));
    }
}
