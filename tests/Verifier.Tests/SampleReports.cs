using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Tests;

/// <summary>
/// Reports built through the real judge from synthetic activations: a small RN-like model whose
/// <c>visual.layer1.0</c> is broken. Chained, the error carries on to every later image tap; isolated, only that
/// block fails.
/// </summary>
internal static class SampleReports
{
    public static readonly (string Name, string Tower)[] Taps =
    [
        ("visual.conv1", "image"), ("visual.bn1", "image"), ("visual.layer1.0", "image"), ("visual.layer2.0", "image"),
        ("visual.attnpool", "image"), ("token_embedding", "text"), ("transformer.resblocks.0", "text"), ("ln_final", "text"),
    ];

    public static readonly string[] Outputs = ["image_features", "text_features", "logits_per_image", "logits_per_text"];

    public const string BrokenTap = "visual.layer1.0";

    public static VerificationReport Build(JudgementRule? rule = null, bool broken = true, bool bothModes = true)
    {
        rule ??= new Torch32RatioRule();
        var modes = new List<ModeResults> { Mode(RunMode.Chained, rule, broken) };
        if (bothModes)
        {
            modes.Add(Mode(RunMode.Isolated, rule, broken));
        }
        var subject = new ReportSubject("tiny_rn.dat", "tiny_rn.fixture.safetensors",
            CandidateSha256: new string('a', 64), FixtureSha256: new string('b', 64),
            ConfigText: "{\"embed_dim\": 32, \"vision_layers\": [1, 2, 1, 1]}", Producer: "torch 1.13.0, cpu, 1 thread");
        return new VerificationReport(subject, rule, modes);
    }

    private static ModeResults Mode(RunMode mode, JudgementRule rule, bool broken)
    {
        var judge = new TapJudge(rule);
        var random = new Random(mode == RunMode.Chained ? 1 : 2);
        var brokenAt = broken ? Array.FindIndex(Taps, t => t.Name == BrokenTap) : int.MaxValue;
        var taps = new List<TapResult>();
        for (var i = 0; i < Taps.Length; i++)
        {
            var fails = mode == RunMode.Chained ? i >= brokenAt && Taps[i].Tower == "image" : i == brokenAt;
            taps.Add(Judge(judge, random, Taps[i].Name, Taps[i].Tower, depth: i, fails));
        }
        var outputs = Outputs.Select(o => Judge(judge, random, o, "output", depth: Taps.Length,
            fails: broken && mode == RunMode.Chained && o != "text_features")).ToList();
        return new ModeResults(mode, taps, outputs);
    }

    private static TapResult Judge(TapJudge judge, Random random, string name, string tower, int depth, bool fails)
    {
        long[] shape = [2, 3, 4];
        var reference = Enumerable.Range(0, 24).Select(_ => random.NextDouble() - 0.5).ToArray();
        var torch32 = Array.ConvertAll(reference, v => (double)(float)v);
        // A healthy port errs like float32 PyTorch, a little more with depth; a broken one by 1e-3 relative.
        var scale = fails ? 1e-3 : 1.2e-8 * (1 + depth);
        var candidate = Array.ConvertAll(reference, v => v + (scale * (random.NextDouble() - 0.5)));
        return judge.Judge(name, tower, shape, candidate, reference, torch32);
    }
}
