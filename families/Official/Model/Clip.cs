using ClipTools.Model.Construction;
using TorchSharp;
using TorchSharp.Modules;
using ClipTools.Checkpoints.Families;
using ClipTools.Model;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Official;

/// <summary>
/// OpenAI's CLIP: an image tower (<see cref="ModifiedResNet"/> or <see cref="VisionTransformer"/>) and a causal text
/// transformer pooled at the end-of-text token, both projected into one embedding space. Parameter names and
/// shapes are those of the official state dict. A <see cref="ModelVariant"/> builds it with classic porting mistakes
/// instead (for the diagnosis's what-if runs); the default is the model itself.
/// </summary>
public sealed class Clip : nn.Module, IDualEncoder
{
    private readonly Parameter positional_embedding;   // [C, D]
    private readonly Parameter text_projection;        // [D, E]
    private readonly Parameter logit_scale;            // 0-d
    private readonly nn.Module<Tensor, Tensor> visual;
    private readonly Transformer transformer;
    [Tap]
    private readonly nn.Module<Tensor, Tensor> token_embedding;
    [Tap]
    private readonly LayerNorm ln_final;
    private readonly TextPooling _pooling;

    public Clip(ClipConfig config) : this(config, ModelVariant.Faithful)
    {
    }

    public Clip(ClipConfig config, ModelVariant variant) : base(nameof(Clip))
    {
        Config = config;
        Variant = variant;
        visual = config.IsResNet
            ? new ModifiedResNet(config.VisionLayers, config.EmbedDim, config.VisionHeads, config.ImageResolution,
                config.VisionWidth, variant)
            : new VisionTransformer(config.ImageResolution, config.VisionPatchSize!.Value, config.VisionWidth,
                config.VisionLayers[0], config.VisionHeads, config.EmbedDim, config.Activation, variant);
        transformer = new Transformer(config.TransformerWidth, config.TransformerLayers, config.TransformerHeads,
            causal: variant.TextCausalMask ?? true, config.Activation, variant);
        token_embedding = Layers.Embedding(config.VocabSize, config.TransformerWidth);
        positional_embedding = Layers.Parameter([config.ContextLength, config.TransformerWidth],
            () => 0.01 * randn(config.ContextLength, config.TransformerWidth));
        ln_final = new LayerNorm(config.TransformerWidth, variant.LayerNormEps ?? LayerNorm.DefaultEps);
        _pooling = variant.TextPooling ?? TextPooling.EndOfText;
        text_projection = Layers.Parameter([config.TransformerWidth, config.EmbedDim],
            () => randn(config.TransformerWidth, config.EmbedDim) / Math.Sqrt(config.TransformerWidth));
        logit_scale = new Parameter(tensor(Math.Log(1 / 0.07), ScalarType.Float32));
        RegisterComponents();
    }

    public ClipConfig Config { get; }

    /// <summary>The porting mistakes this model was built with; <see cref="ModelVariant.Faithful"/> for CLIP itself.</summary>
    public ModelVariant Variant { get; }

    IModelConfig IDualEncoder.Config => Config;

    nn.Module IDualEncoder.Module => this;

    /// <summary>The fields marked <see cref="TapAttribute"/> or <see cref="TapEachAttribute"/>, as module paths.</summary>
    public IReadOnlyList<string> TapNames => _tapNames ??= TapFields.Paths(this);

    private IReadOnlyList<string>? _tapNames;

    /// <param name="image">[N, 3, R, R], normalised as CLIP's preprocessing does</param>
    /// <returns>[N, E], not normalised</returns>
    public Tensor EncodeImage(Tensor image)
    {
        using var scope = NewDisposeScope();
        return visual.call(image).MoveToOuterDisposeScope();
    }

    /// <param name="text">[T, C] int64 token ids; the end-of-text token has the largest id in each row</param>
    /// <returns>[T, E], not normalised</returns>
    public Tensor EncodeText(Tensor text)
    {
        using var scope = NewDisposeScope();
        return PoolText(transformer.call(EmbedText(text)), text).MoveToOuterDisposeScope();
    }

    /// <summary>The image tower's stages, then the text tower's for <paramref name="text"/>; names are module paths.</summary>
    public (IReadOnlyList<Stage> Image, IReadOnlyList<Stage> Text) Stages(Tensor text)
    {
        var image = visual switch
        {
            ModifiedResNet resnet => resnet.Stages(),
            VisionTransformer vit => vit.Stages(),
            _ => throw new InvalidOperationException($"no stages for {visual.GetType().Name}"),
        };
        var last = transformer.Blocks.Last().Path;
        IReadOnlyList<Stage> textStages =
        [
            new("text.embed", null, EmbedText),
            .. transformer.Stages("transformer.", null),
            new("text.head", $"transformer.{last}", x => PoolText(x, text)),
        ];
        return (image.Select(s => s.WithPrefix("visual.")).ToList(), textStages);
    }

    /// <returns>[T, C, D]: token plus positional embeddings, the transformer's input</returns>
    private Tensor EmbedText(Tensor text)
    {
        var x = token_embedding.call(text);    // [T, C, D]
        return x + positional_embedding.to(x.dtype);
    }

    /// <param name="x">[T, C, D], the transformer's output</param>
    /// <param name="text">[T, C] token ids; each row's largest id marks its end-of-text token</param>
    /// <returns>[T, E]: <c>ln_final</c> at each text's end-of-text token, projected</returns>
    private Tensor PoolText(Tensor x, Tensor text)
    {
        x = ln_final.call(x);                         // [T, C, D]
        var eot = PooledPositions(text).view(-1, 1, 1).expand(-1, 1, x.shape[2]);  // [T, 1, D]
        var pooled = x.gather(1, eot).squeeze(1);                              // [T, D]
        return pooled.matmul(text_projection);                                 // [T, E]
    }

    /// <returns>[T]: the position pooled in each row; CLIP's is the end-of-text token, the row's largest id</returns>
    private Tensor PooledPositions(Tensor text)
    {
        var last = text.shape[1] - 1;
        return _pooling switch
        {
            TextPooling.EndOfText => text.argmax(-1),
            TextPooling.BeforeEndOfText => text.argmax(-1).sub(1).clamp_min(0),
            TextPooling.AfterEndOfText => text.argmax(-1).add(1).clamp_max(last),
            TextPooling.FirstPosition => zeros(text.shape[0], ScalarType.Int64),
            TextPooling.LastPosition => full(text.shape[0], last, ScalarType.Int64),
            _ => throw new InvalidOperationException($"unknown text pooling {_pooling}"),
        };
    }

    /// <summary>Cosine similarities scaled by exp(logit_scale).</summary>
    /// <returns>logits per image [N, T] and per text [T, N]</returns>
    public (Tensor PerImage, Tensor PerText) Logits(Tensor image, Tensor text)
    {
        using var scope = NewDisposeScope();
        var imageFeatures = EncodeImage(image);
        var textFeatures = EncodeText(text);
        return Logits(imageFeatures, textFeatures, scope);
    }

    /// <summary>Logits from features already computed.</summary>
    public (Tensor PerImage, Tensor PerText) LogitsFromFeatures(Tensor imageFeatures, Tensor textFeatures)
    {
        using var scope = NewDisposeScope();
        return Logits(imageFeatures, textFeatures, scope);
    }

    private (Tensor, Tensor) Logits(Tensor imageFeatures, Tensor textFeatures, DisposeScope scope)
    {
        var image = imageFeatures / imageFeatures.norm(-1, keepdim: true);
        var text = textFeatures / textFeatures.norm(-1, keepdim: true);
        var perImage = logit_scale.exp() * image.matmul(text.t());  // [N, T]
        var perText = perImage.t().contiguous();                     // [T, N]
        scope.MoveToOuter(perImage, perText);
        return (perImage, perText);
    }
}
