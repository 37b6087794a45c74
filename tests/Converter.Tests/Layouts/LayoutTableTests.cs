using ClipTools.Families;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;
using ClipTools.Families.Official;

namespace ClipTools.Converter.Tests.Layouts;

/// <summary>The tables themselves: detection by signature, full coverage of every preset, and docs/layouts.md kept equal.</summary>
public class LayoutTableTests
{
    [Fact]
    public void DocsHoldEveryTableVerbatim()
    {
        var doc = File.ReadAllText(Path.Combine(LayoutFixtures.Root, "docs", "layouts.md")).ReplaceLineEndings("\n");
        var tables = FamilyRegistry.Layouts.Select(l => $"<!-- table: {l.Name} -->\n" + LayoutTableMarkdown.Render(l)).ToList();
        var missing = tables.Where(t => !doc.Contains(t, StringComparison.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            var path = Path.Combine(Path.GetTempPath(), "layouts-tables.md");
            File.WriteAllText(path, string.Join("\n", tables));
            Assert.Fail($"docs/layouts.md differs from the tables; the current tables are in {path}");
        }
    }

    [Theory]
    [InlineData("official")]
    [InlineData("paddle")]
    public void EveryPresetMapsToTheLayoutAndBack(string layoutName)
    {
        // For each of the nine official state dicts: official -> layout -> official gives the same names and shapes.
        var layout = FamilyRegistry.Layouts.Single(l => l.Name == layoutName);
        foreach (var (name, config) in ClipPresets.All)
        {
            var official = ClipStateLayout.Expected(config)
                .Select(e => new MappedTensor(e.Name, e.Name.EndsWith("num_batches_tracked") ? DType.Int64 : DType.Float16,
                    e.Shape, [], RuleKind.Rename, () => throw new InvalidOperationException("shapes only")))
                .ToList();
            var there = LayoutMapper.FromCanonical(layout, official);
            Assert.Empty(there.Unmatched);
            Assert.Same(layout, LayoutDetector.Detect(there.Tensors.Select(t => t.Name).ToList()));
            var back = LayoutMapper.ToCanonical(layout, there.Tensors.Select(t => t.ToTensorEntry()).ToList());
            Assert.Empty(back.Unmatched);
            Assert.Equal(official.Select(t => (t.Name, string.Join(",", t.Shape))).Order(),
                back.Tensors.Select(t => (t.Name, string.Join(",", t.Shape))).Order());
            if (layoutName == "paddle")
            {
                Assert.Equal(PaddleParameterNames.For(config).Select(r => r.StructuredName).Order(), there.Tensors.Select(t => t.Name).Order());
            }
        }
    }

    [Theory]
    [InlineData("transformer.resblocks.0.attn.in_proj_weight", "official")]
    [InlineData("visual.layer1.0.bn1.num_batches_tracked", "official")]
    [InlineData("visual.attnpool.attn.q_proj.weight", "paddle")]
    [InlineData("visual.bn1._variance", "paddle")]
    [InlineData("vision_model.pre_layrnorm.weight", "huggingface")]
    [InlineData("text_model.encoder.layers.11.self_attn.q_proj.weight", "huggingface")]
    public void SignatureKeyTellsTheLayout(string key, string layout) =>
        Assert.Equal(layout, LayoutDetector.Detect(["ln_final.weight", key]).Name);

    [Fact]
    public void TemplatesBindTheSameValuesOnBothSides()
    {
        var t = new NameTemplate("visual.transformer.resblocks.{bid}.ln_1.{wb}");
        var values = t.Match("visual.transformer.resblocks.17.ln_1.bias");
        Assert.NotNull(values);
        Assert.Equal("17", values["bid"]);
        Assert.Equal("visual.transformer.resblocks.17.ln_1.bias", t.Fill(values));
        Assert.Null(t.Match("visual.transformer.resblocks.x.ln_1.bias"));
        Assert.Null(t.Match("visual.transformer.resblocks.1.ln_1.weightx"));
        Assert.Throws<ArgumentException>(() => new NameTemplate("a.{nope}"));
    }
}
