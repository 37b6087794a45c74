using ClipTools.Model.Construction;
using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>
/// CLIP's ResNet bottleneck. Every convolution has stride 1; a block with stride s &gt; 1 downsamples by an s x s
/// average pool before <c>conv3</c> (and before the downsample's 1x1 conv), which anti-aliases the stride.
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;

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
    private readonly nn.Module<Tensor, Tensor> avgpool;
    [Tap]
    private readonly Conv2d conv3;
    [Tap]
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu3;
    [Tap]
    private readonly Sequential? downsample;

    /// <param name="bnEps">every BatchNorm's epsilon: PyTorch's default 1e-5 in CLIP</param>
    public Bottleneck(long inplanes, long planes, int stride, double bnEps = ModifiedResNet.DefaultBatchNormEps)
        : base(nameof(Bottleneck))
    {
        conv1 = Layers.Conv2d(inplanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes, eps: bnEps);
        relu1 = nn.ReLU();
        conv2 = Layers.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes, eps: bnEps);
        relu2 = nn.ReLU();
        avgpool = stride > 1 ? nn.AvgPool2d(stride) : nn.Identity();
        conv3 = Layers.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = nn.BatchNorm2d(planes * Expansion, eps: bnEps);
        relu3 = nn.ReLU();
        if (stride > 1 || inplanes != planes * Expansion)
        {
            // The names "-1", "0", "1" are those of the released state dicts.
            downsample = nn.Sequential(
                ("-1", nn.AvgPool2d(stride)),
                ("0", Layers.Conv2d(inplanes, planes * Expansion, 1, bias: false)),
                ("1", nn.BatchNorm2d(planes * Expansion, eps: bnEps)));
        }
        RegisterComponents();
    }

    /// <param name="x">[N, C, H, W]</param>
    public override Tensor forward(Tensor x)
    {
        // The block's intermediates are freed when it returns, not when the caller's scope ends: a whole tower's
        // activations are never alive at once (PyTorch frees each as soon as it is unreferenced).
        using var scope = NewDisposeScope();
        var y = conv1.call(x);
        y = bn1.call(y);
        y = relu1.call(y);
        y = conv2.call(y);
        y = bn2.call(y);
        y = relu2.call(y);
        y = avgpool.call(y);
        y = conv3.call(y);
        y = bn3.call(y);
        var identity = downsample is null ? x : downsample.call(x);
        return relu3.call(y + identity).MoveToOuterDisposeScope();
    }
}
