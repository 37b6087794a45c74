using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Tests.Layouts;

/// <summary>Official to the Paddle port's layout and back is exact, and the Paddle side is what the port's file holds.</summary>
public class RoundTripTests
{
    private static readonly ConversionOptions Keep = new(DType: OutputDType.Keep);

    [Theory]
    [InlineData("tiny_rn", "rn_paddle_p4.pdparams")]
    [InlineData("tiny_vit", "vit_paddle_p4.pdparams")]
    public void OfficialToPaddleGivesThePortsFileAndBackIsExact(string model, string paddleFixture)
    {
        using var official = FormatDetector.Open(LayoutFixtures.TinyArchive(model));
        var canonical = ConversionPipeline.Run(official, Keep);
        var export = PaddleExport.FromCanonical(canonical.Tensors, canonical.Config);

        // Same names, order, dtypes, shapes and bytes as the .pdparams the fixture script wrote by hand.
        using var port = FormatDetector.Open(LayoutFixtures.PathOf(paddleFixture));
        Assert.Equal(port.Tensors.Select(t => t.Name), export.Tensors.Select(t => t.Name));
        foreach (var (want, got) in port.Tensors.Zip(export.Tensors))
        {
            Assert.Equal(want.DType, got.DType);
            Assert.Equal(want.Shape, got.Shape);
            Assert.True(want.ReadBytes().AsSpan().SequenceEqual(got.ReadBytes()), $"bytes of {want.Name} differ");
        }
        Assert.Equal(export.Tensors.Select(t => t.Name), export.NameTable.Select(r => r.StructuredName));
        Assert.Equal(canonical.Tensors.Count(t => t.Name.EndsWith(".num_batches_tracked")), export.Omitted.Count);

        // And back: bit-identical to the official state dict.
        using var again = LayoutFixtures.InMemory(export.Tensors.Select(t => (t.Name, t.DType, t.Shape.ToArray(), t.ReadBytes())));
        var back = ConversionPipeline.Run(again, Keep);
        Assert.Equal("paddle", back.Summary.Layout);
        LayoutFixtures.AssertOfficial(model, back.Tensors);
    }

    [Fact]
    public void Float32RoundTripThroughPaddleEqualsDirectFloat32()
    {
        var f32 = new ConversionOptions(DType: OutputDType.Float32);
        using var official = FormatDetector.Open(LayoutFixtures.TinyArchive("tiny_rn"));
        var direct = ConversionPipeline.Run(official, f32);
        using var paddle = FormatDetector.Open(LayoutFixtures.PathOf("rn_paddle_p2.pdparams"));
        var viaPaddle = ConversionPipeline.Run(paddle, f32);
        Assert.Equal(direct.Tensors.Select(t => (t.Name, t.DType)), viaPaddle.Tensors.Select(t => (t.Name, t.DType)));
        foreach (var (a, b) in direct.Tensors.Zip(viaPaddle.Tensors))
        {
            Assert.True(a.ReadBytes().AsSpan().SequenceEqual(b.ReadBytes()), a.Name);
        }
    }
}
