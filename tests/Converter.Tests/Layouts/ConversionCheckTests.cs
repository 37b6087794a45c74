using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Converter.Tests.Layouts;

/// <summary>Each check that stops a conversion, on hand-made bad input: one line, naming the key.</summary>
public class ConversionCheckTests
{
    private static List<(string Name, DType DType, long[] Shape, byte[] Bytes)> Rn() => LayoutFixtures.Official("tiny_rn");

    private static CheckpointFormatException Fails(IEnumerable<(string, DType, long[], byte[])> tensors, ConversionOptions? options = null)
    {
        using var set = LayoutFixtures.InMemory(tensors);
        var e = Assert.Throws<CheckpointFormatException>(() =>
        {
            var result = ConversionPipeline.Run(set, options ?? new ConversionOptions(Activation: "quick_gelu"));
            foreach (var t in result.Tensors)
            {
                t.ReadBytes();
            }
        });
        Assert.DoesNotContain('\n', e.ToOneLine());
        return e;
    }

    [Fact]
    public void MissingKey()
    {
        var e = Fails(Rn().Where(t => t.Name != "visual.layer2.1.bn2.bias"));
        Assert.StartsWith("missing key 'visual.layer2.1.bn2.bias'", e.What);
        Assert.Equal("visual.layer2.1.bn2.bias", e.Where.Key);
    }

    [Fact]
    public void MissingKeyNeededToInferTheModel()
    {
        var e = Fails(Rn().Where(t => t.Name != "text_projection"));
        Assert.StartsWith("missing key 'text_projection'", e.What);
    }

    [Fact]
    public void UnexpectedKeyUnlessAllowed()
    {
        var extra = Rn().Append(("visual.fc.weight", DType.Float32, [2], new byte[8])).ToList();
        var e = Fails(extra);
        Assert.StartsWith("unexpected key 'visual.fc.weight'", e.What);

        using var set = LayoutFixtures.InMemory(extra);
        var result = ConversionPipeline.Run(set, new ConversionOptions(Activation: "quick_gelu", AllowExtra: true));
        Assert.DoesNotContain(result.Tensors, t => t.Name == "visual.fc.weight");
        Assert.Contains(result.Summary.Ignored, i => i.Name == "visual.fc.weight" && i.Reason.Contains("--allow-extra"));
    }

    [Fact]
    public void ShapeContradictingTheInferredModel()
    {
        var e = Fails(Rn().Select(t => t.Name == "transformer.resblocks.1.mlp.c_fc.bias" ? (t.Name, t.DType, new long[] { 255 }, new byte[510]) : t));
        Assert.StartsWith("shape [255] of 'transformer.resblocks.1.mlp.c_fc.bias' contradicts the inferred model, which needs [256]", e.What);
    }

    [Theory]
    [InlineData("text_projection", 0x00, 0x7e, "NaN at element 3 of weight 'text_projection'")]           // fp16 NaN
    [InlineData("visual.attnpool.c_proj.bias", 0x00, 0xfc, "-Inf at element 3 of weight 'visual.attnpool.c_proj.bias'")] // fp16 -inf
    public void NonFiniteHalfWeight(string key, byte low, byte high, string message)
    {
        var e = Fails(Rn().Select(t => t.Name == key ? (t.Name, t.DType, t.Shape, Poke(t.Bytes, 6, low, high)) : t));
        Assert.Equal(message, e.What);
        Assert.Equal(key, e.Where.Key);
    }

    [Fact]
    public void InfInFloat32Weight()
    {
        var inf = BitConverter.GetBytes(float.PositiveInfinity);
        var e = Fails(Rn().Select(t => t.Name == "positional_embedding" ? (t.Name, t.DType, t.Shape, Poke(t.Bytes, 40, inf)) : t),
            new ConversionOptions(Activation: "quick_gelu", DType: OutputDType.Keep));
        Assert.Equal("+Inf at element 10 of weight 'positional_embedding'", e.What);
    }

    [Fact]
    public void ValueTooLargeForFloat16()
    {
        var big = BitConverter.GetBytes(70000f);
        var e = Fails(Rn().Select(t => t.Name == "ln_final.weight" ? (t.Name, t.DType, t.Shape, Poke(t.Bytes, 0, big)) : t),
            new ConversionOptions(Activation: "quick_gelu", DType: OutputDType.Float16));
        Assert.StartsWith("element 0 of 'ln_final.weight' (70000) overflows float16", e.What);
    }

    [Fact]
    public void IntegerWhereAFloatIsExpected()
    {
        var e = Fails(Rn().Select(t => t.Name == "ln_final.bias" ? (t.Name, DType.Int32, t.Shape, t.Bytes) : t));
        Assert.Equal("'ln_final.bias' is int32 where a float weight is expected", e.What);
    }

    [Fact]
    public void FloatWhereTheBatchCountIsExpected()
    {
        var e = Fails(Rn().Select(t => t.Name == "visual.bn1.num_batches_tracked" ? (t.Name, DType.Float64, t.Shape, t.Bytes) : t));
        Assert.Equal("'visual.bn1.num_batches_tracked' is float64 where an integer count is expected", e.What);
    }

    [Fact]
    public void TwoLayoutsMixed()
    {
        var e = Fails(Rn().Append(("transformer.resblocks.0.attn.q_proj.weight", DType.Float16, [64, 64], new byte[8192])));
        Assert.StartsWith("two layouts mixed in one file: '", e.What);
        Assert.Contains("' is official, ", e.What);
        Assert.Contains("'transformer.resblocks.0.attn.q_proj.weight' is paddle", e.What);
    }

    [Fact]
    public void NotAClip()
    {
        var e = Fails([("fc.weight", DType.Float32, [2, 2], new byte[16]), ("fc.bias", DType.Float32, [2], new byte[8])]);
        var layouts = string.Join(", ", ClipTools.Families.FamilyRegistry.Layouts.Select(l => l.Name));
        Assert.StartsWith("official, paddle, huggingface", layouts);
        Assert.Equal($"not a CLIP checkpoint (no key of any known layout: {layouts}; keys are e.g. 'fc.weight', 'fc.bias')", e.What);
    }

    [Fact]
    public void ModelMismatchAndUnknownModel()
    {
        var e = Fails(Rn(), new ConversionOptions(Activation: "quick_gelu", Model: "RN50"));
        Assert.StartsWith("--model RN50 does not match the checkpoint: vision layers 3,4,6,3 vs 1,2,1,1, vision width 64 vs 4", e.What);
        Assert.Contains("unknown model 'RN51'", Fails(Rn(), new ConversionOptions(Activation: "quick_gelu", Model: "RN51")).What);
    }

    [Fact]
    public void ModulePrefixOnSomeKeysOnly()
    {
        var e = Fails(Rn().Select((t, i) => i == 0 ? ("module." + t.Name, t.DType, t.Shape, t.Bytes) : t));
        Assert.StartsWith("'module.' prefix on 1 of", e.What);
    }

    [Fact]
    public void PaddleAttentionWithAMissingPart()
    {
        using var paddle = FormatDetector.Open(LayoutFixtures.PathOf("rn_paddle_p4.pdparams"));
        var e = Fails(paddle.Tensors.Where(t => t.Name != "transformer.resblocks.1.attn.k_proj.weight")
            .Select(t => (t.Name, t.DType, t.Shape.ToArray(), t.ReadBytes())));
        Assert.Equal("missing key 'transformer.resblocks.1.attn.k_proj.weight' (with 'transformer.resblocks.1.attn.q_proj.weight' it makes 'transformer.resblocks.1.attn.in_proj_weight')", e.What);
    }

    [Fact]
    public void PaddleLinearThatIsNotAMatrix()
    {
        using var paddle = FormatDetector.Open(LayoutFixtures.PathOf("rn_paddle_p4.pdparams"));
        var e = Fails(paddle.Tensors.Select(t => t.Name == "transformer.resblocks.0.mlp.c_fc.weight"
            ? (t.Name, t.DType, new[] { t.ElementCount }, t.ReadBytes())
            : (t.Name, t.DType, t.Shape.ToArray(), t.ReadBytes())));
        Assert.Equal("'transformer.resblocks.0.mlp.c_fc.weight' has shape [16384]; a Linear weight is 2-D", e.What);
    }

    [Fact]
    public void SummaryCountsDTypeChanges()
    {
        using var set = FormatDetector.Open(LayoutFixtures.TinyArchive("tiny_rn"));
        var result = ConversionPipeline.Run(set, new ConversionOptions(Activation: "quick_gelu"));
        var official = LayoutFixtures.Official("tiny_rn");
        Assert.Equal([new DTypeChange(DType.Float16, DType.Float32, official.Count(o => o.DType == DType.Float16))], result.Summary.DTypeChanges);
        Assert.All(result.Tensors, t => Assert.Equal(t.Name.EndsWith("num_batches_tracked") ? DType.Int64 : DType.Float32, t.DType));
        Assert.Equal(result.Tensors.Sum(t => t.ByteCount), result.Summary.Bytes);
        Assert.Equal(official.Count, result.Summary.TensorCount);
        Assert.Null(result.Summary.Preset);
    }

    private static byte[] Poke(byte[] bytes, int at, params byte[] values)
    {
        var copy = (byte[])bytes.Clone();
        values.CopyTo(copy, at);
        return copy;
    }
}
