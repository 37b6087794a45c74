using ClipTools.Checkpoints.Formats;
using ClipTools.Families.Official;
using ClipTools.Model.Weights;
using TorchSharp;
using static TorchSharp.torch;
using ClipTools.Testing;

namespace ClipTools.ClipModel.Tests;

public sealed class ClipWeightsTests : IDisposable
{
    private static readonly string TinyRn = RepositoryPaths.Fixture("tiny", "tiny_rn.dat");
    private static readonly string TinyVit = RepositoryPaths.Fixture("tiny", "tiny_vit.dat");
    private readonly string _scratch = Directory.CreateTempSubdirectory("clipweights-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    public void MixedPrecisionFileLoadsIntoModelOfEitherPrecision(ScalarType dtype)
    {
        var index = DatFile.ReadIndex(TinyRn);
        Assert.Contains(index, e => e.DType == DType.Float16);   // released-style: conv/linear weights
        Assert.Contains(index, e => e.DType == DType.Float32);   // BatchNorm, LayerNorm, embeddings

        using var model = ClipWeights.LoadModel(TinyRn, dtype);
        var state = model.state_dict();
        foreach (var entry in index)
        {
            using var stored = ClipWeights.ReadTensor(TinyRn, entry);
            var loaded = state[entry.Name];
            var expectedType = entry.DType == DType.Int64 ? ScalarType.Int64 : dtype;
            Assert.Equal(expectedType, loaded.dtype);
            using var expected = stored.to(expectedType);
            Assert.True(expected.eq(loaded).all().item<bool>(), entry.Name);
        }
    }

    [Fact]
    public void SavedWeightsLoadWithTorchSharpsOwnStrictLoad()
    {
        using var model = ClipWeights.LoadModel(TinyVit);
        var saved = Path.Combine(_scratch, "vit.dat");
        ClipWeights.Save(model, saved);

        using var fresh = new Clip(model.Config);
        fresh.load(saved, strict: true);
        var expected = model.state_dict();
        foreach (var (name, value) in fresh.state_dict())
        {
            Assert.True(expected[name].eq(value).all().item<bool>(), name);
        }
    }

    [Fact]
    public void InferredConfigIsTheFixturesConfig()
    {
        var shapes = DatFile.ReadIndex(TinyRn).ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal(ClipConfig.ResNet(32, 64, [1, 2, 1, 1], 4, textWidth: 64, textHeads: 1, textLayers: 2,
            contextLength: 8, vocabSize: 100), ClipConfigInference.FromShapes(shapes, ClipActivation.QuickGelu));
    }

    [Fact]
    public void WrongArchitectureIsRefusedNamingAKey()
    {
        // A ViT with the ResNet file's text tower: only the image tower disagrees.
        var vit = ClipConfig.Vit(32, 32, 2, 64, 8, textWidth: 64, textHeads: 1, textLayers: 2, contextLength: 8,
            vocabSize: 100);
        using var model = new Clip(vit);
        var error = Assert.Throws<WeightsFormatException>(() => ClipWeights.Load(model, TinyRn));
        Assert.Matches(@"unexpected key 'visual\.[\w.-]+'|'visual\.[\w.-]+': shape", error.Message);
    }

    [Fact]
    public void ShapeMismatchIsRefusedNamingKeyAndShapes()
    {
        var wider = ClipConfig.ResNet(32, 64, [1, 2, 1, 1], 8, textWidth: 64, textHeads: 1, textLayers: 2,
            contextLength: 8, vocabSize: 100);
        using var model = new Clip(wider);
        var error = Assert.Throws<WeightsFormatException>(() => ClipWeights.Load(model, TinyRn));
        Assert.Matches(@"'visual\.[\w.]+': shape \[\d+(, \d+)*\] but the model has \[", error.Message);
    }

    [Fact]
    public void MissingKeysAreRefusedAndCounted()
    {
        var deeper = ClipConfig.ResNet(32, 64, [1, 2, 1, 1], 4, textWidth: 64, textHeads: 1, textLayers: 3,
            contextLength: 8, vocabSize: 100);
        using var model = new Clip(deeper);
        var error = Assert.Throws<WeightsFormatException>(() => ClipWeights.Load(model, TinyRn));
        Assert.Matches(@"missing \d+ key\(s\): transformer\.resblocks\.2\.", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(40)]
    [InlineData(-1)]
    public void TruncatedFileIsOneLineErrorWithPlace(int keep)
    {
        var bytes = File.ReadAllBytes(TinyRn);
        var cut = Path.Combine(_scratch, "cut.dat");
        File.WriteAllBytes(cut, bytes[..(keep >= 0 ? keep : bytes.Length - 3)]);
        var error = Assert.Throws<CheckpointFormatException>(() => DatFile.ReadIndex(cut));
        Assert.DoesNotContain('\n', error.ToOneLine());
        Assert.Matches(@"byte \d+", error.ToOneLine());
    }
}
