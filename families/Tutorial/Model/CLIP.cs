using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// The tutorial CLIP (shared seed <c>tutorial_clip.md</c>): a <see cref="ViT"/> and a <see cref="TextEncoder"/>
/// whose features meet without a projection, and a learned <c>logit_scale</c> (initialised to ln(1/0.07)).
/// Field names are the seed's attribute names, so the state dict has the seed's keys. Built in eval mode.
/// </summary>
public sealed class CLIP : nn.Module<Tensor, Tensor, (Tensor LogitsPerImage, Tensor LogitsPerText)>
{
    private readonly ViT image_encoder;
    private readonly TextEncoder text_encoder;
    private readonly Parameter logit_scale; // 0-d

    public CLIP(TutorialClipConfig config) : base(nameof(CLIP))
    {
        if (config.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(config));
        }
        Config = config;
        image_encoder = new ViT(config.ImageSize, config.PatchSize, config.InChannels, config.EmbedDim, config.NumHeads,
            config.NumLayers, config.MlpHiddenDim, config.Dropout);
        text_encoder = new TextEncoder(config.VocabSize, config.DModel, config.TextNumLayers, config.TextNumHeads,
            config.TextDFf, config.MaxLen, config.TextDropout);
        logit_scale = new Parameter(ones([]) * log(tensor((float)(1 / 0.07))));
        RegisterComponents();
        eval();
    }

    public TutorialClipConfig Config { get; }

    public ViT ImageEncoder => image_encoder;

    public TextEncoder TextEncoder => text_encoder;

    /// <param name="images">[N, C, R, R]</param>
    /// <param name="texts">[T, L] int64 token ids, one batch: the texts attend to each other</param>
    /// <returns>logits per image [N, T] and per text [T, N]</returns>
    public override (Tensor LogitsPerImage, Tensor LogitsPerText) forward(Tensor images, Tensor texts)
    {
        using var scope = NewDisposeScope();
        var imageFeatures = image_encoder.call(images);
        var textFeatures = text_encoder.call(texts);
        var (perImage, perText) = Logits(imageFeatures, textFeatures);
        scope.MoveToOuter(perImage, perText);
        return (perImage, perText);
    }

    /// <summary>The seed's logits from features already computed (normalised here, as its forward does).</summary>
    /// <param name="imageFeatures">[N, D]</param>
    /// <param name="textFeatures">[T, D]</param>
    public (Tensor LogitsPerImage, Tensor LogitsPerText) Logits(Tensor imageFeatures, Tensor textFeatures)
    {
        using var scope = NewDisposeScope();
        var image = nn.functional.normalize(imageFeatures, dim: -1);
        var text = nn.functional.normalize(textFeatures, dim: -1);
        var logitScale = logit_scale.exp();
        var perImage = logitScale * image.matmul(text.t()); // [N, T]
        var perText = logitScale * text.matmul(image.t());  // [T, N]
        scope.MoveToOuter(perImage, perText);
        return (perImage, perText);
    }
}
