using ClipTools.Checkpoints.Formats;
using ClipTools.Families.Official;
using ClipTools.Families.Tutorial;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.Cli;

namespace ClipTools.Verifier.Tests.Families;

/// <summary>Generic input checks take the image channels from the family's config, not a hard-coded 3.</summary>
public sealed class InputChannelsTests : IDisposable
{
    private readonly TemporaryDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    private static readonly TutorialClipConfig OneChannel = new(ImageSize: 8, PatchSize: 4, InChannels: 1, VocabSize: 10,
        EmbedDim: 4, NumHeads: 1, NumLayers: 1, MlpHiddenDim: 4, DModel: 4, TextNumLayers: 1, TextNumHeads: 1, TextDFf: 4, MaxLen: 5);

    [Fact]
    public void ModelInputsFollowTheConfigsChannels()
    {
        Assert.Equal(1, OneChannel.ImageChannels);
        Assert.Equal(3, ((ClipTools.Checkpoints.Families.IModelConfig)ClipPresets.Get("RN50")).ImageChannels);

        var gray = Inputs("gray.safetensors", channels: 1);
        var (image, text) = ModelInputs.Read(gray, OneChannel);
        Assert.Equal([2L, 1, 8, 8], image.shape);
        Assert.Equal([1L, 5], text.shape);

        var rgb = Inputs("rgb.safetensors", channels: 3);
        var e = Assert.Throws<FormatException>(() => ModelInputs.Read(rgb, OneChannel));
        Assert.Contains("[N, 1, 8, 8]", e.Message);
    }

    private string Inputs(string name, int channels) => ClipVerify.WriteSafetensors(scratch.File(name),
    [
        ClipVerify.Entry("image", DType.Float32, [2, channels, 8, 8], new float[2 * channels * 64]),
        ClipVerify.Entry("text", DType.Int64, [1, 5], new long[] { 8, 1, 2, 9, 0 }),
    ]);
}
