using TorchSharp;
using ClipTools.Model.Taps;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>PyTorch's <c>nn.TransformerEncoder</c> without a final norm: the layers in order, <c>layers.0</c>, ...</summary>
public sealed class TransformerEncoder : nn.Module<Tensor, Tensor>
{
    [TapEach]
    private readonly ModuleList<TransformerEncoderLayer> layers;

    public TransformerEncoder(Func<TransformerEncoderLayer> encoderLayer, long numLayers) : base(nameof(TransformerEncoder))
    {
        layers = nn.ModuleList(Enumerable.Range(0, checked((int)numLayers)).Select(_ => encoderLayer()).ToArray());
        RegisterComponents();
    }

    /// <summary>The layers in order, with their paths relative to this module (<c>layers.0</c>, ...).</summary>
    public IEnumerable<(string Path, nn.Module<Tensor, Tensor> Layer)> Layers =>
        layers.Select((layer, i) => ($"layers.{i}", (nn.Module<Tensor, Tensor>)layer));

    /// <param name="src">[S, N, D]</param>
    public override Tensor forward(Tensor src)
    {
        var output = src;
        foreach (var layer in layers)
        {
            output = layer.call(output);
        }
        return output;
    }
}
