using ClipTools.Model.Construction;
using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Model;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>
/// CLIP's ResNet image tower: a stem of three 3x3 convolutions and an average pool (instead of one 7x7 conv and a
/// max pool), four stages of <see cref="Bottleneck"/> blocks, and <see cref="AttentionPool2d"/> instead of a mean pool.
/// </summary>
public sealed class ModifiedResNet : nn.Module<Tensor, Tensor>
{
    [Tap]
    private readonly Conv2d conv1;
    [Tap]
    private readonly BatchNorm2d bn1;
    [Tap]
    private readonly ReLU relu1;
    [Tap]
    private readonly Conv2d conv2;
    [Tap]
    private readonly BatchNorm2d bn2;
    [Tap]
    private readonly ReLU relu2;
    [Tap]
    private readonly Conv2d conv3;
    [Tap]
    private readonly BatchNorm2d bn3;
    [Tap]
    private readonly ReLU relu3;
    [Tap]
    private readonly AvgPool2d avgpool;
    [TapEach]
    private readonly Sequential layer1;
    [TapEach]
    private readonly Sequential layer2;
    [TapEach]
    private readonly Sequential layer3;
    [TapEach]
    private readonly Sequential layer4;
    [Tap]
    private readonly AttentionPool2d attnpool;

    /// <summary>PyTorch's BatchNorm2d default, which CLIP keeps.</summary>
    public const double DefaultBatchNormEps = 1e-5;

    public ModifiedResNet(IReadOnlyList<int> layers, long outputDim, long heads, int inputResolution, long width,
        ModelVariant variant)
        : base(nameof(ModifiedResNet))
    {
        var bnEps = variant.BatchNormEps ?? DefaultBatchNormEps;
        conv1 = Layers.Conv2d(3, width / 2, 3, stride: 2, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(width / 2, eps: bnEps);
        relu1 = nn.ReLU();
        conv2 = Layers.Conv2d(width / 2, width / 2, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(width / 2, eps: bnEps);
        relu2 = nn.ReLU();
        conv3 = Layers.Conv2d(width / 2, width, 3, padding: 1, bias: false);
        bn3 = nn.BatchNorm2d(width, eps: bnEps);
        relu3 = nn.ReLU();
        avgpool = nn.AvgPool2d(2);

        var inplanes = width;
        Sequential Stage(long planes, int blocks, int stride)
        {
            var stage = Enumerable.Range(0, blocks).Select(i =>
            {
                var block = new Bottleneck(inplanes, planes, i == 0 ? stride : 1, bnEps);
                inplanes = planes * Bottleneck.Expansion;
                return (i.ToString(System.Globalization.CultureInfo.InvariantCulture), (nn.Module<Tensor, Tensor>)block);
            }).ToList();
            return nn.Sequential(stage);
        }
        layer1 = Stage(width, layers[0], 1);
        layer2 = Stage(width * 2, layers[1], 2);
        layer3 = Stage(width * 4, layers[2], 2);
        layer4 = Stage(width * 8, layers[3], 2);

        attnpool = new AttentionPool2d(inputResolution / 32, width * 32, heads, outputDim,
            variant.AttentionScale ?? AttentionScale.InverseSqrtHeadWidth);
        RegisterComponents();
    }

    /// <param name="x">[N, 3, R, R]</param>
    /// <returns>[N, output width]</returns>
    public override Tensor forward(Tensor x)
    {
        x = Stem(x);
        x = layer1.call(x);
        x = layer2.call(x);
        x = layer3.call(x);
        x = layer4.call(x);                                     // [N, 32w, R/32, R/32]
        return attnpool.call(x);
    }

    /// <summary>Stem, each Bottleneck, attention pool; names relative to this module.</summary>
    public IReadOnlyList<Stage> Stages()
    {
        var stages = new List<Stage> { new("stem", null, Stem) };
        var previous = "avgpool";
        foreach (var (layerName, layer) in new[] { ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4) })
        {
            foreach (var (index, block) in layer.named_children())
            {
                var path = $"{layerName}.{index}";
                stages.Add(new Stage(path, previous, ((nn.Module<Tensor, Tensor>)block).call));
                previous = path;
            }
        }
        stages.Add(new Stage("attnpool", previous, attnpool.call));
        return stages;
    }

    /// <param name="x">[N, 3, R, R]</param>
    /// <returns>[N, w, R/4, R/4]</returns>
    public Tensor Stem(Tensor x)
    {
        // The stem's intermediates are freed when it returns (see Bottleneck.forward).
        using var scope = NewDisposeScope();
        x = conv1.call(x);                 // [N, w/2, R/2, R/2]
        x = bn1.call(x);
        x = relu1.call(x);
        x = conv2.call(x);
        x = bn2.call(x);
        x = relu2.call(x);
        x = conv3.call(x);                 // [N, w, R/2, R/2]
        x = bn3.call(x);
        x = relu3.call(x);
        return avgpool.call(x).MoveToOuterDisposeScope();          // [N, w, R/4, R/4]
    }
}
