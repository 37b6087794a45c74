using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Checkpoints.Families;
using ClipTools.Model;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// The tutorial CLIP (shared seed <c>tutorial_clip.md</c>): a <see cref="ViT"/> and a <see cref="TextEncoder"/>
/// whose features meet without a projection, and a learned <c>logit_scale</c> (initialised to ln(1/0.07)).
/// Field names are the seed's attribute names, so the state dict has the seed's keys. Built in eval mode.
/// </summary>
/// <remarks>The texts given together are one batch and attend to each other (<see cref="TextEncoder"/>).</remarks>
public sealed class CLIP : nn.Module<Tensor, Tensor, (Tensor PerImage, Tensor PerText)>, IDualEncoder
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

    IModelConfig IDualEncoder.Config => Config;

    nn.Module IDualEncoder.Module => this;

    /// <summary>The fields marked <see cref="TapAttribute"/> or <see cref="TapEachAttribute"/>, as module paths (docs/taps.md).</summary>
    public IReadOnlyList<string> TapNames => _tapNames ??= TapFields.Paths(this);

    private IReadOnlyList<string>? _tapNames;

    /// <param name="images">[N, C, R, R]</param>
    /// <param name="texts">[T, L] int64 token ids, one batch: the texts attend to each other</param>
    /// <returns>logits per image [N, T] and per text [T, N]</returns>
    public override (Tensor PerImage, Tensor PerText) forward(Tensor images, Tensor texts)
    {
        using var scope = NewDisposeScope();
        var imageFeatures = image_encoder.call(images);
        var textFeatures = text_encoder.call(texts);
        var (perImage, perText) = LogitsFromFeatures(imageFeatures, textFeatures);
        scope.MoveToOuter(perImage, perText);
        return (perImage, perText);
    }

    /// <param name="image">[N, C, R, R]</param>
    /// <returns>[N, D]: the class token after the ViT's final norm, not normalised</returns>
    public Tensor EncodeImage(Tensor image) => image_encoder.call(image);

    /// <param name="text">[T, L] int64 token ids, one batch</param>
    /// <returns>[T, D]: the mean over positions, not normalised</returns>
    public Tensor EncodeText(Tensor text) => text_encoder.call(text);

    public (Tensor PerImage, Tensor PerText) Logits(Tensor image, Tensor text) => call(image, text);

    /// <summary>The seed's logits from features already computed (normalised here, as its forward does).</summary>
    /// <param name="imageFeatures">[N, D]</param>
    /// <param name="textFeatures">[T, D]</param>
    public (Tensor PerImage, Tensor PerText) LogitsFromFeatures(Tensor imageFeatures, Tensor textFeatures)
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

    /// <summary>
    /// Embedding, each block or layer, head, per tower. A block's isolated input is the tap before it:
    /// <c>image_encoder.dropout</c> (class token, patches and positional embedding) and
    /// <c>text_encoder.positional_encoding</c> for the first ones.
    /// </summary>
    public (IReadOnlyList<Stage> Image, IReadOnlyList<Stage> Text) Stages(Tensor text) =>
        (Tower("image_encoder", "dropout", image_encoder.Embed, image_encoder.Blocks, image_encoder.Head),
         Tower("text_encoder", "positional_encoding", text_encoder.Embed, text_encoder.Layers, TextEncoder.Pool));

    private static List<Stage> Tower(string prefix, string embedTap, Func<Tensor, Tensor> embed,
        IEnumerable<(string Path, nn.Module<Tensor, Tensor> Block)> blocks, Func<Tensor, Tensor> head)
    {
        var stages = new List<Stage> { new($"{prefix}.embed", null, embed) };
        var inputTap = $"{prefix}.{embedTap}";
        foreach (var (path, block) in blocks)
        {
            stages.Add(new Stage($"{prefix}.{path}", inputTap, block.call));
            inputTap = $"{prefix}.{path}";
        }
        stages.Add(new Stage($"{prefix}.head", inputTap, head));
        return stages;
    }
}
