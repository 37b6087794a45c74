using ClipTools.Model;
using ClipTools.Model.Weights;
using ClipTools.Testing;
using static TorchSharp.torch;

namespace ClipTools.ClipModel.Tests;

/// <summary>
/// The official model's porting-mistake knobs (<see cref="ModelVariant"/>): the faithful variant is the model bit for
/// bit, and each knob changes exactly the tower it belongs to (a BatchNorm epsilon only a ResNet's image tower, the
/// causal mask only the text tower, ...), so a what-if run changes what it claims and nothing else.
/// </summary>
public sealed class ModelVariantTests
{
    // Three texts of the tiny vocabulary (end-of-text = 99, the largest id); the first two end before the last position.
    private static readonly long[,] Tokens = { { 98, 77, 99, 0, 0, 0, 0, 0 }, { 98, 77, 43, 63, 99, 0, 0, 0 }, { 98, 12, 48, 88, 8, 61, 16, 99 } };

    public static TheoryData<string, string, bool, bool> Knobs => new()
    {
        // model, knob, changes the image features, changes the text features
        { "tiny_rn", "erf-gelu", false, true },
        { "tiny_vit", "erf-gelu", true, true },
        { "tiny_vit", "tanh-gelu", true, true },
        { "tiny_rn", "layernorm-eps", false, true },
        { "tiny_vit", "layernorm-eps", true, true },
        { "tiny_rn", "batchnorm-eps", true, false },
        { "tiny_vit", "batchnorm-eps", false, false },
        { "tiny_rn", "no-causal-mask", false, true },
        { "tiny_vit", "causal-image-mask", true, false },
        // tiny_rn's attention pool has 2 heads, its text transformer 1 (where width = head width); tiny_vit the reverse.
        { "tiny_rn", "attention-scale-width", true, false },
        { "tiny_vit", "attention-scale-width", false, true },
        { "tiny_rn", "unscaled-attention", true, true },
        { "tiny_rn", "pool-last", false, true },
        { "tiny_rn", "pool-first", false, true },
        { "tiny_rn", "pool-before-eot", false, true },
        { "tiny_rn", "pool-after-eot", false, true },
    };

    private static ModelVariant Variant(string knob) => knob switch
    {
        "erf-gelu" => new() { Activation = VariantActivation.ErfGelu },
        "tanh-gelu" => new() { Activation = VariantActivation.TanhGelu },
        "layernorm-eps" => new() { LayerNormEps = 1e-3 },
        "batchnorm-eps" => new() { BatchNormEps = 1e-3 },
        "no-causal-mask" => new() { TextCausalMask = false },
        "causal-image-mask" => new() { ImageCausalMask = true },
        "attention-scale-width" => new() { AttentionScale = AttentionScale.InverseSqrtWidth },
        "unscaled-attention" => new() { AttentionScale = AttentionScale.None },
        "pool-last" => new() { TextPooling = TextPooling.LastPosition },
        "pool-first" => new() { TextPooling = TextPooling.FirstPosition },
        "pool-before-eot" => new() { TextPooling = TextPooling.BeforeEndOfText },
        "pool-after-eot" => new() { TextPooling = TextPooling.AfterEndOfText },
        _ => throw new ArgumentException(knob),
    };

    [Theory]
    [InlineData("tiny_rn")]
    [InlineData("tiny_vit")]
    public void TheFaithfulVariantIsTheModelBitForBit(string name)
    {
        using var model = ClipWeights.LoadModel(RepositoryPaths.Fixture("tiny", $"{name}.dat"));
        using var variant = FamilyModels.Variant(model, ModelVariant.Faithful);

        Assert.NotNull(variant);
        Assert.True(ModelVariant.Faithful.IsFaithful);
        var (image, text) = Features(model);
        var (variantImage, variantText) = Features(variant);
        Assert.Equal(image, variantImage);
        Assert.Equal(text, variantText);
    }

    [Theory]
    [MemberData(nameof(Knobs))]
    public void EachKnobChangesOnlyItsTower(string name, string knob, bool changesImage, bool changesText)
    {
        using var model = ClipWeights.LoadModel(RepositoryPaths.Fixture("tiny", $"{name}.dat"));
        var mistake = Variant(knob);
        using var variant = FamilyModels.Variant(model, mistake);

        Assert.NotNull(variant);
        Assert.False(mistake.IsFaithful);
        var (image, text) = Features(model);
        var (variantImage, variantText) = Features(variant);
        Assert.True(changesImage == !image.SequenceEqual(variantImage), $"{knob} ({mistake}): image features changed: {!changesImage}");
        Assert.True(changesText == !text.SequenceEqual(variantText), $"{knob} ({mistake}): text features changed: {!changesText}");
    }

    [Fact]
    public void AVariantKeepsTheModelsConfigWeightsAndPrecision()
    {
        using var model = ClipWeights.LoadModel(RepositoryPaths.Fixture("tiny", "tiny_vit.dat"), ScalarType.Float64);
        using var variant = FamilyModels.Variant(model, new ModelVariant { LayerNormEps = 1e-6 });

        Assert.NotNull(variant);
        Assert.Equal(model.Config, variant.Config);
        var weights = model.state_dict();
        Assert.All(variant.Module.state_dict(), p =>
        {
            Assert.Equal(weights[p.Key].dtype, p.Value.dtype);
            Assert.True(weights[p.Key].eq(p.Value).all().item<bool>(), p.Key);
        });
        Assert.False(variant.Module.training);
    }

    [Fact]
    public void AFamilyWithoutVariantsGetsNone()
    {
        using var model = ClipTools.Model.ClipModel.Load(RepositoryPaths.Fixture("tutorial", "tiny_tutorial.pt"));

        Assert.Null(FamilyModels.Variant(model, new ModelVariant { LayerNormEps = 1e-6 }));
    }

    [Fact]
    public void AVariantSaysItsMistakesInWords()
    {
        Assert.Equal("faithful", ModelVariant.Faithful.ToString());
        Assert.Equal("erf GELU, LayerNorm eps 1e-06, no causal text mask",
            new ModelVariant { Activation = VariantActivation.ErfGelu, LayerNormEps = 1e-6, TextCausalMask = false }.ToString());
    }

    private static (float[] Image, float[] Text) Features(IDualEncoder model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var config = (ClipTools.Families.Official.ClipConfig)model.Config;
        var image = linspace(-1, 1, 2 * 3 * config.ImageResolution * config.ImageResolution).view(2, 3, config.ImageResolution, config.ImageResolution).sin();
        var text = tensor(Tokens);
        return (model.EncodeImage(image).data<float>().ToArray(), model.EncodeText(text).data<float>().ToArray());
    }
}
