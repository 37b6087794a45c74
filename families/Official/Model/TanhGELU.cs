using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>
/// The tanh approximation of GELU, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): not CLIP's, but what a port
/// from TensorFlow or JAX may use; built only for the diagnosis's what-if runs.
/// </summary>
public sealed class TanhGELU() : nn.Module<Tensor, Tensor>(nameof(TanhGELU))
{
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var inner = Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x.pow(3));
        return (0.5 * x * (1 + inner.tanh())).MoveToOuterDisposeScope();
    }
}
