using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>LayerNorm that always normalises in at least float32, so a float16 model keeps CLIP's precision.</summary>
public sealed class LayerNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>PyTorch's default, which CLIP keeps.</summary>
    public const double DefaultEps = 1e-5;

    private readonly long[] _shape;
    private readonly double _eps;

    private readonly Parameter weight;
    private readonly Parameter bias;

    public LayerNorm(long width, double eps = DefaultEps) : base(nameof(LayerNorm))
    {
        _shape = [width];
        _eps = eps;
        weight = new Parameter(ones(width));
        bias = new Parameter(zeros(width));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (x.dtype is ScalarType.Float32 or ScalarType.Float64)
        {
            return nn.functional.layer_norm(x, _shape, weight, bias, _eps);
        }
        using var scope = NewDisposeScope();
        var y = nn.functional.layer_norm(x.to(ScalarType.Float32), _shape,
            weight.to(ScalarType.Float32), bias.to(ScalarType.Float32), _eps);
        return y.to(x.dtype).MoveToOuterDisposeScope();
    }
}
