using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>LayerNorm that always normalises in at least float32, so a float16 model keeps CLIP's precision.</summary>
public sealed class LayerNorm : nn.Module<Tensor, Tensor>
{
    private const double Eps = 1e-5;
    private readonly long[] _shape;

    private readonly Parameter weight;
    private readonly Parameter bias;

    public LayerNorm(long width) : base(nameof(LayerNorm))
    {
        _shape = [width];
        weight = new Parameter(ones(width));
        bias = new Parameter(zeros(width));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (x.dtype is ScalarType.Float32 or ScalarType.Float64)
        {
            return nn.functional.layer_norm(x, _shape, weight, bias, Eps);
        }
        using var scope = NewDisposeScope();
        var y = nn.functional.layer_norm(x.to(ScalarType.Float32), _shape,
            weight.to(ScalarType.Float32), bias.to(ScalarType.Float32), Eps);
        return y.to(x.dtype).MoveToOuterDisposeScope();
    }
}
