using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using ClipTools.Families.Official;
using ClipTools.Model;
using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Tests.Cli;

namespace ClipTools.Verifier.Tests.Families;

/// <summary>
/// Head counts are in no tensor shape. fixtures/huggingface/tiny_hf is a Hugging Face CLIPModel checkpoint
/// (model.safetensors + config.json, transformers' names) with 4 image heads on a width of 64 and 2 text heads on 64,
/// where openai/CLIP's rule (width / 64) gives 1: its fixture was dumped by dump_reference.py from that very file. The
/// heads come from config.json's num_attention_heads or <c>--meta</c>; without them a Hugging Face checkpoint is refused,
/// and the counts travel with the converted weights.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class HeadCountTests : IDisposable
{
    private static readonly string Weights = RepositoryPaths.Fixture("huggingface", "tiny_hf", "model.safetensors");
    private static readonly string HfFixture = RepositoryPaths.Fixture("huggingface", "tiny_hf.fixture.safetensors");
    private readonly TemporaryDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void ConfigJsonHeadsConvertAndVerifyInBothModes()
    {
        var dat = scratch.File("hf.dat");
        var (code, _, stderr) = ConvertCli(Weights, dat);
        Assert.True(code == 0, stderr);
        var sidecar = File.ReadAllText(CheckpointMetadata.SidecarPath(dat));
        Assert.Contains("\"vision_heads\": \"4\"", sidecar);
        Assert.Contains("\"transformer_heads\": \"2\"", sidecar);

        using var model = ClipModel.Load(dat);   // the sidecar carries the heads and the activation
        var config = (ClipConfig)model.Config;
        Assert.Equal((4, 2, ClipActivation.Gelu), (config.VisionHeads, config.TransformerHeads, config.Activation));
        using var fixture = Fixture.Open(HfFixture);
        Assert.Equal(fixture.Config, model.Config);

        var verify = ClipVerify.Run(dat, HfFixture);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        // safetensors output carries them in its metadata
        var safetensors = scratch.File("hf.safetensors");
        Assert.Equal(0, ConvertCli(Weights, safetensors).ExitCode);
        using var reloaded = ClipModel.Load(safetensors);
        Assert.Equal(model.Config, reloaded.Config);
    }

    [Fact]
    public void WithoutConfigJsonTheHeadsAreRefusedNamingMetaAndTakenFromIt()
    {
        var bare = CopyWithoutConfig();
        var (code, _, stderr) = ConvertCli(bare, scratch.File("bare.dat"), "--act", "gelu");
        Assert.Equal(2, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--meta", line);
        Assert.False(File.Exists(scratch.File("bare.dat")));

        var dat = scratch.File("meta.dat");
        var converted = ConvertCli(bare, dat, "--act", "gelu", "--meta", "vision_heads=4", "--meta", "transformer_heads=2");
        Assert.True(converted.ExitCode == 0, converted.Stderr);
        var verify = ClipVerify.Run(dat, HfFixture);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        // clip-verify takes them too, loading the Hugging Face file itself
        var direct = ClipVerify.Run(bare, HfFixture, "--act", "gelu", "--meta", "vision_heads=4", "--meta", "transformer_heads=2");
        Assert.True(direct.ExitCode == 0, direct.Stdout + direct.Stderr);
    }

    [Fact]
    public void OpenAisRuleIsAnotherModel()
    {
        // width / 64 = 1 head each: loads (1 divides 64) but is not the checkpoint's model
        var options = new ClipModelOptions(Activation: "gelu", Metadata: new Dictionary<string, string> { ["vision_heads"] = "1", ["transformer_heads"] = "1" });
        using var wrong = ClipModel.Load(CopyWithoutConfig(), options);
        using var fixture = Fixture.Open(HfFixture);
        Assert.NotEqual(fixture.Config, wrong.Config);
        var e = Assert.Throws<FixtureFormatException>(() => Runner.ModelRun.Run(wrong, fixture, Runner.RunMode.Chained));
        Assert.Contains("heads", e.Message);
    }

    [Theory]
    [InlineData("vision_heads=1", "config.json")]          // disagrees with num_attention_heads
    [InlineData("num_heads=2", "official family")]         // the tutorial family's key
    [InlineData("vision_heads", "KEY=VALUE")]
    public void BadMetaIsRefusedInOneLine(string meta, string expected)
    {
        var (code, _, stderr) = ConvertCli(Weights, scratch.File("bad.dat"), "--meta", meta);
        Assert.Equal(2, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.False(File.Exists(scratch.File("bad.dat")));
    }

    [Fact]
    public void HeadsThatAreNotAPositiveDivisorOfTheWidthAreRefused()
    {
        var e = Assert.Throws<CheckpointFormatException>(() => ClipModel.Load(CopyWithoutConfig(), new ClipModelOptions(Activation: "gelu",
            Metadata: new Dictionary<string, string> { ["vision_heads"] = "3", ["transformer_heads"] = "2" })));
        Assert.Contains("vision_heads=3 does not divide", e.Message);
        e = Assert.Throws<CheckpointFormatException>(() => ClipModel.Load(CopyWithoutConfig(), new ClipModelOptions(Activation: "gelu",
            Metadata: new Dictionary<string, string> { ["vision_heads"] = "0", ["transformer_heads"] = "2" })));
        Assert.Contains("not a positive integer", e.Message);
    }

    [Fact]
    public void OfficialLayoutKeepsOpenAisRuleUnlessTold()
    {
        using var official = ClipModel.Load(RepositoryPaths.Fixture("layouts", "rn_state_dict.pt"), new ClipModelOptions(Activation: "quick_gelu"));
        var config = (ClipConfig)official.Config;
        Assert.Equal((ClipConfig.DefaultHeads(config.VisionAttentionWidth), ClipConfig.DefaultHeads(config.TransformerWidth)),
            (config.VisionHeads, config.TransformerHeads));
        Assert.False(config.Metadata.ContainsKey("vision_heads"));   // nothing to tell: the rule gives them back
    }

    [Fact]
    public void TutorialHeadCountsComeFromMeta()
    {
        var bare = scratch.File("tutorial.pt");
        File.Copy(RepositoryPaths.Fixture("tutorial", "tiny_tutorial.pt"), bare);   // without its .pt.json
        Assert.Contains("--meta num_heads=N", Assert.Throws<CheckpointFormatException>(() => ClipModel.Load(bare)).Message);
        using var model = ClipModel.Load(bare, new ClipModelOptions(Metadata: new Dictionary<string, string> { ["num_heads"] = "2", ["text_num_heads"] = "4" }));
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tutorial", "tiny_tutorial.fixture.safetensors"));
        Assert.Equal(fixture.Config, model.Config);
        var (code, _, stderr) = ConvertCli(bare, scratch.File("tutorial.dat"), "--meta", "num_heads=2", "--meta", "text_num_heads=4");
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public void AbsentConfigJsonValuesAreTransformersDefaults()
    {
        // save_pretrained writes only what differs from CLIPTextConfig / CLIPVisionConfig's defaults: hidden_act
        // quick_gelu, 8 text heads, 12 image heads. tiny_vit (QuickGELU, heads 2 / 1) saved so lacks hidden_act.
        var folder = Directory.CreateDirectory(scratch.File("hf-defaults")).FullName;
        var weights = Path.Combine(folder, "model.safetensors");
        File.Copy(RepositoryPaths.Fixture("layouts", "vit_hf.safetensors"), weights);
        var config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, """{"model_type": "clip", "text_config": {"num_attention_heads": 2}, "vision_config": {"num_attention_heads": 1}}""");
        using (var model = ClipModel.Load(weights))
        {
            using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", "tiny_vit.fixture.safetensors"));
            Assert.Equal(fixture.Config, model.Config);
        }
        // nothing but the model type: 12 image heads, which do not divide tiny_vit's 64
        File.WriteAllText(config, """{"model_type": "clip"}""");
        var e = Assert.Throws<CheckpointFormatException>(() => ClipModel.Load(weights));
        Assert.Contains("vision_heads=12 does not divide", e.Message);
        // and --act disagreeing with the default is refused, naming both
        File.WriteAllText(config, """{"model_type": "clip", "text_config": {"num_attention_heads": 2}, "vision_config": {"num_attention_heads": 1}}""");
        e = Assert.Throws<CheckpointFormatException>(() => ClipModel.Load(weights, new ClipModelOptions(Activation: "gelu")));
        Assert.Contains("transformers' default", e.Message);
        Assert.Contains("--act", e.Message);
    }

    private string CopyWithoutConfig()
    {
        var path = scratch.File("bare-model.safetensors");
        if (!File.Exists(path))
        {
            File.Copy(Weights, path);
        }
        return path;
    }

    private static (int ExitCode, string Stdout, string Stderr) ConvertCli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = global::ClipTools.Converter.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
