using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>
/// CLIP's ResNet bottleneck. Every convolution has stride 1; a block with stride s &gt; 1 downsamples by an s x s
/// average pool before <c>conv3</c> (and before the downsample's 1x1 conv), which anti-aliases the stride.
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>, ITapped
{
    public const int Expansion = 4;

    private readonly int _stride;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly ReLU relu2;
    private readonly nn.Module<Tensor, Tensor> avgpool;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu3;
    private readonly Sequential? downsample;

    public Bottleneck(long inplanes, long planes, int stride) : base(nameof(Bottleneck))
    {
        _stride = stride;
        conv1 = nn.Conv2d(inplanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        relu1 = nn.ReLU();
        conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        relu2 = nn.ReLU();
        avgpool = stride > 1 ? nn.AvgPool2d(stride) : nn.Identity();
        conv3 = nn.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = nn.BatchNorm2d(planes * Expansion);
        relu3 = nn.ReLU();
        if (stride > 1 || inplanes != planes * Expansion)
        {
            // The names "-1", "0", "1" are those of the released state dicts.
            downsample = nn.Sequential(
                ("-1", nn.AvgPool2d(stride)),
                ("0", nn.Conv2d(inplanes, planes * Expansion, 1, bias: false)),
                ("1", nn.BatchNorm2d(planes * Expansion)));
        }
        RegisterComponents();
    }

    public TapPoint Taps { get; } = new();

    /// <param name="x">[N, C, H, W]</param>
    public override Tensor forward(Tensor x)
    {
        var y = Taps.Child("conv1", conv1.call(x));
        y = Taps.Child("bn1", bn1.call(y));
        y = Taps.Child("relu1", relu1.call(y));
        y = Taps.Child("conv2", conv2.call(y));
        y = Taps.Child("bn2", bn2.call(y));
        y = Taps.Child("relu2", relu2.call(y));
        if (_stride > 1)
        {
            y = Taps.Child("avgpool", avgpool.call(y));
        }
        y = Taps.Child("conv3", conv3.call(y));
        y = Taps.Child("bn3", bn3.call(y));
        var identity = downsample is null ? x : Taps.Child("downsample", downsample.call(x));
        return Taps.Output(relu3.call(y + identity));
    }
}
