using ClipTools.Checkpoints.Formats;
using ClipTools.Families.Tutorial;
using ClipTools.Testing;

namespace ClipTools.ClipModel.Tests.Tutorial;

/// <summary>The tutorial family's spec half: expected state, config inference from shapes and metadata.</summary>
public sealed class TutorialSpecTests
{
    private static readonly TutorialClipConfig Tiny = new(ImageSize: 32, PatchSize: 8, VocabSize: 100, EmbedDim: 32,
        NumHeads: 2, NumLayers: 2, MlpHiddenDim: 48, DModel: 32, TextNumLayers: 2, TextNumHeads: 4, TextDFf: 40, MaxLen: 16);

    private static Dictionary<string, long[]> SeedShapes()
    {
        using var file = FormatDetector.Open(RepositoryPaths.Fixture("tutorial", "tiny_tutorial.pt"));
        return file.Tensors.ToDictionary(t => t.Name, t => t.Shape.ToArray());
    }

    public static TheoryData<TutorialClipConfig> Configs => new()
    {
        Tiny,
        new TutorialClipConfig(),
        // No blocks: no MLP weight to infer a width from; inference gives the seed's default, which builds no tensor.
        Tiny with { NumLayers = 0, MlpHiddenDim = 3072, TextNumLayers = 3, InChannels = 1, ImageSize = 36 },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void ExpectedStateIsTheTorchSharpModelsStateDictInOrder(TutorialClipConfig config)
    {
        using var model = new CLIP(config);
        var expected = TutorialStateLayout.Expected(config);
        var actual = model.state_dict().Select(e => (e.Key, e.Value.shape)).ToList();
        Assert.Equal(expected.Select(e => e.Name), actual.Select(e => e.Key));
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First.Shape, p.Second.shape));
    }

    [Fact]
    public void ExpectedStateIsTheSeedsStateDict()
    {
        var seed = SeedShapes();
        var expected = TutorialStateLayout.Expected(Tiny).ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal(seed.Keys.Order(StringComparer.Ordinal), expected.Keys.Order(StringComparer.Ordinal));
        Assert.All(seed, e => Assert.Equal(e.Value, expected[e.Key]));
    }

    [Fact]
    public void InfersEveryDimensionFromShapesAndTheHeadsFromMetadata()
    {
        var metadata = new Dictionary<string, string> { ["num_heads"] = "2", ["text_num_heads"] = "4" };
        Assert.Equal(Tiny, TutorialConfigInference.FromShapes(SeedShapes(), metadata));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void ConfigRoundTripsThroughShapesAndItsMetadata(TutorialClipConfig config)
    {
        var shapes = TutorialStateLayout.Expected(config).ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal(config, TutorialConfigInference.FromShapes(shapes, TutorialConfigInference.Metadata(config)));
    }

    [Theory]
    [InlineData("num_heads")]
    [InlineData("text_num_heads")]
    public void AMissingHeadCountIsRefusedNamingTheOption(string key)
    {
        var metadata = new Dictionary<string, string> { ["num_heads"] = "2", ["text_num_heads"] = "4" };
        metadata.Remove(key);
        var e = Assert.Throws<CheckpointFormatException>(() => TutorialConfigInference.FromShapes(SeedShapes(), metadata));
        Assert.Contains($"{{\"{key}\": \"N\"}}", e.Message);
    }

    [Theory]
    [InlineData("num_heads", "3", "not divisible by num_heads 3")]
    [InlineData("text_num_heads", "0", "not a positive integer")]
    [InlineData("image_size", "40", "5x5 patch grid")]
    [InlineData("dropout", "1.5", "not a dropout rate")]
    public void MetadataThatContradictsTheWeightsIsRefused(string key, string value, string message)
    {
        var metadata = new Dictionary<string, string> { ["num_heads"] = "2", ["text_num_heads"] = "4", [key] = value };
        var e = Assert.Throws<CheckpointFormatException>(() => TutorialConfigInference.FromShapes(SeedShapes(), metadata));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AnImageSizeBetweenPatchMultiplesComesFromMetadata()
    {
        var metadata = new Dictionary<string, string> { ["num_heads"] = "2", ["text_num_heads"] = "4", ["image_size"] = "39" };
        Assert.Equal(Tiny with { ImageSize = 39 }, TutorialConfigInference.FromShapes(SeedShapes(), metadata));
    }

    [Fact]
    public void ANonSquarePatchGridIsRefusedNamingTheKey()
    {
        var shapes = SeedShapes();
        shapes["image_encoder.pos_embed"] = [1, 16, 32];
        var e = Assert.Throws<CheckpointFormatException>(() => TutorialConfigInference.FromShapes(shapes, new Dictionary<string, string>()));
        Assert.Equal("image_encoder.pos_embed", e.Where.Key);
    }
}
