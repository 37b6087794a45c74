using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;
using ClipTools.Families.Official;

namespace ClipTools.Converter.Tests.Layouts;

/// <summary>Every layout fixture maps to exactly the official state dict of the tiny model it was made from, bit for bit.</summary>
public class LayoutFixtureTests
{
    // The layout fixtures are OpenAI-architecture models (QuickGELU), which a bare state dict does not say.
    private static readonly ConversionOptions Keep = new(DType: OutputDType.Keep, Activation: "quick_gelu");

    // vit_hf.safetensors has no config.json beside it: its head counts (tiny_vit's) are given as --meta would.
    private static readonly ConversionOptions KeepHuggingFace = Keep with
    {
        Metadata = new Dictionary<string, string> { ["transformer_heads"] = "2", ["vision_heads"] = "1" },
    };

    [Theory]
    [MemberData(nameof(LayoutFixtures.All), MemberType = typeof(LayoutFixtures))]
    public void FixtureMapsBitIdenticallyToTheOfficialStateDict(string file)
    {
        var expected = LayoutFixtures.Files.GetProperty(file);
        var model = expected.GetProperty("model").GetString()!;
        using var set = FormatDetector.Open(LayoutFixtures.PathOf(file));
        Assert.Equal(expected.GetProperty("format").GetString(), set.Format.Name());

        var result = ConversionPipeline.Run(set, expected.GetProperty("layout").GetString() == "huggingface" ? KeepHuggingFace : Keep);

        Assert.Equal(expected.GetProperty("layout").GetString(), result.Summary.Layout);
        LayoutFixtures.AssertOfficial(model, result.Tensors);
    }

    [Theory]
    [InlineData("tiny_rn")]
    [InlineData("tiny_vit")]
    public void ReleasedArchiveIsOfficialWithItsBuffersDropped(string model)
    {
        using var set = FormatDetector.Open(LayoutFixtures.TinyArchive(model));
        var result = ConversionPipeline.Run(set, Keep);
        Assert.Equal("official", result.Summary.Layout);
        Assert.Equal(LayoutFixtures.ArchiveBuffers, result.Summary.Ignored.Where(i => i.Reason.StartsWith("official layout")).Select(i => i.Name));
        Assert.Empty(result.Summary.Synthesized);
        LayoutFixtures.AssertOfficial(model, result.Tensors);
    }

    [Fact]
    public void WrappedFileHasItsModulePrefixStripped()
    {
        using var set = FormatDetector.Open(LayoutFixtures.PathOf("rn_wrapped.pt"));
        var summary = ConversionPipeline.Run(set, Keep).Summary;
        Assert.True(summary.ModulePrefixStripped);
        Assert.Equal("state_dict", summary.WrapperKey);
    }

    [Theory]
    [InlineData("rn_paddle_p2.pdparams")]
    [InlineData("rn_paddle_p4.pdparams")]
    public void PaddleBatchCountsAreSynthesizedAsZero(string file)
    {
        using var set = FormatDetector.Open(LayoutFixtures.PathOf(file));
        var result = ConversionPipeline.Run(set, Keep);
        var synthesized = result.Summary.Synthesized;
        Assert.Equal(result.Tensors.Where(t => t.Name.EndsWith(".num_batches_tracked")).Select(t => t.Name), synthesized);
        Assert.Equal(LayoutFixtures.Official("tiny_rn").Count(o => o.Name.EndsWith(".num_batches_tracked")), synthesized.Count);
        Assert.All(result.Tensors.Where(t => synthesized.Contains(t.Name)), t => Assert.Equal(new byte[8], t.ReadBytes()));
        Assert.Contains(result.Summary.Ignored, i => i.Name == "StructuredToParameterName@@");
    }

    [Fact]
    public void HuggingFacePositionIdsAreDropped()
    {
        using var set = FormatDetector.Open(LayoutFixtures.PathOf("vit_hf.safetensors"));
        var result = ConversionPipeline.Run(set, KeepHuggingFace);
        Assert.Equal(
            ["text_model.embeddings.position_ids", "vision_model.embeddings.position_ids"],
            result.Summary.Ignored.Where(i => i.Reason.StartsWith("huggingface layout")).Select(i => i.Name).Order());
    }

    [Theory]
    [InlineData("rn_paddle_p2.pdparams")]
    [InlineData("rn_paddle_p4.pdparams")]
    [InlineData("vit_paddle_p4.pdparams")]
    public void PaddleNameTableMatchesTheFixtureScript(string file)
    {
        var expected = LayoutFixtures.Files.GetProperty(file).GetProperty("name_table").EnumerateArray()
            .Select(r => new PaddleParameterName(r[0].GetString()!, r[1].GetString()!)).ToList();
        using var set = FormatDetector.Open(LayoutFixtures.PathOf(file));
        var config = ConversionPipeline.Run(set, Keep).Config;
        Assert.Equal(expected, PaddleParameterNames.For(OfficialFamily.Own(config)));
        // The table lists every tensor of the file, in the file's order.
        Assert.Equal(set.Tensors.Select(t => t.Name), expected.Select(r => r.StructuredName));
    }

    [Fact]
    public void PaddleNameTableOfRN50FollowsPaddleNaming()
    {
        var table = PaddleParameterNames.For(ClipPresets.Get("RN50")).ToDictionary(r => r.StructuredName, r => r.ParameterName);
        Assert.Equal("clip_0.w_2", table["logit_scale"]);
        Assert.Equal("conv2d_0.w_0", table["visual.conv1.weight"]);
        Assert.Equal("batch_norm2d_0.w_1", table["visual.bn1._mean"]);
        Assert.Equal("batch_norm2d_0.w_2", table["visual.bn1._variance"]);
        Assert.Equal("attention_pool2d_0.w_0", table["visual.attnpool.positional_embedding"]);
        Assert.Equal("linear_0.w_0", table["visual.attnpool.attn.q_proj.weight"]);
        Assert.Equal("linear_4.b_0", table["visual.attnpool.attn.out_proj.bias"]);   // linear_3 was replaced
        Assert.Equal("linear_5.w_0", table["transformer.resblocks.0.attn.q_proj.weight"]);
        Assert.Equal("embedding_0.w_0", table["token_embedding.weight"]);
        Assert.Equal("layer_norm_24.b_0", table["ln_final.bias"]);
        Assert.Equal(table.Count, table.Values.Distinct().Count());
    }
}
