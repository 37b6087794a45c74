using ClipTools.Converter.Cli;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Families.Official;
using ClipTools.Testing;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests.Conversion;

/// <summary>
/// Every committed checkpoint form, converted by clip-convert to .dat, loads with TorchSharp's own strict
/// <c>Module.load</c> and reproduces the PyTorch reference at every tap, chained and isolated, within the model
/// tests' bound (twice PyTorch's own float32 error plus the 4-ulp floor).
/// </summary>
public sealed class ConvertedCheckpointTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("converted-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    public static TheoryData<string, string> Checkpoints => new()
    {
        { "tiny/tiny_rn.pt", "tiny_rn" },                       // released-style TorchScript archive
        { "tiny/tiny_vit.pt", "tiny_vit" },
        { "layouts/rn_state_dict.pt", "tiny_rn" },              // plain torch.save state dict
        { "layouts/rn_wrapped.pt", "tiny_rn" },                 // {"state_dict": {"module." + k: v}}
        { "layouts/rn_legacy.pt", "tiny_rn" },                  // pre-1.6 serialization
        { "layouts/rn_paddle_p2.pdparams", "tiny_rn" },         // Paddle port layout, pickle protocol 2
        { "layouts/rn_paddle_p4.pdparams", "tiny_rn" },         // ... protocol 4
        { "layouts/vit_paddle_p4.pdparams", "tiny_vit" },
        { "layouts/rn_official.safetensors", "tiny_rn" },       // safetensors, official names
        { "layouts/vit_hf.safetensors", "tiny_vit" },           // safetensors, Hugging Face names
    };

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void ConvertedWeightsLoadStrictlyAndMatchEveryTap(string checkpoint, string model)
    {
        var dat = Path.Combine(_scratch, "model.dat");
        // The tiny models are OpenAI-architecture (QuickGELU); only the TorchScript archive says so itself. The Hugging
        // Face file has no config.json beside it, so its head counts are given as --meta gives them.
        var heads = checkpoint.Contains("_hf", StringComparison.Ordinal)
            ? new Dictionary<string, string> { ["transformer_heads"] = "2", ["vision_heads"] = "1" }
            : null;
        ConvertCommand.Convert(RepositoryPaths.Fixture(checkpoint.Split('/')), dat, new ConversionOptions(Activation: "quick_gelu", Metadata: heads));
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", $"{model}.fixture.safetensors"));
        using var clip = new Clip(OfficialFamily.Own(fixture.Config));
        clip.load(dat, strict: true);
        clip.eval();

        var judge = new TapJudge(new Torch32RatioRule());
        foreach (var mode in new[] { RunMode.Chained, RunMode.Isolated })
        {
            var results = FixtureComparison.Compare(fixture, ModelRun.Run(clip, fixture, mode), mode, judge);
            Assert.True(results.Passed, $"{mode}: {results.FailedCount} failing, first {results.FirstDivergence?.Name} ({results.FirstDivergence?.Reason})");
            Assert.Equal(fixture.Taps.Count, results.Taps.Count);
        }
    }
}
