using System.CommandLine;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Commands;

/// <summary>
/// <c>clip-verify MODEL FIXTURE</c>: runs the TorchSharp CLIP with taps on the fixture's inputs, chained and
/// isolated, and judges every tap against the PyTorch reference.
/// </summary>
internal static class VerifyCommand
{
    public static void AddTo(RootCommand root)
    {
        var model = new Argument<string>("MODEL") { Description = "weights: a TorchSharp .dat, or any checkpoint clip-convert reads" };
        var fixture = new Argument<string>("FIXTURE") { Description = "a reference fixture (.safetensors, see docs/fixture-format.md)" };
        var mode = new Option<string>("--mode") { Description = "chained, isolated or both", DefaultValueFactory = _ => "both" };
        mode.AcceptOnlyFromAmong("chained", "isolated", "both");
        var judgement = new JudgementOptions();
        root.Arguments.Add(model);
        root.Arguments.Add(fixture);
        root.Options.Add(mode);
        judgement.AddTo(root);
        root.SetAction(parse =>
        {
            var modes = parse.GetValue(mode) switch
            {
                "chained" => new[] { RunMode.Chained },
                "isolated" => [RunMode.Isolated],
                _ => [RunMode.Chained, RunMode.Isolated],
            };
            var rule = judgement.Rule(parse);
            var modelPath = parse.GetValue(model)!;
            var fixturePath = parse.GetValue(fixture)!;
            using var reference = Fixture.Open(fixturePath);
            using var clip = ModelLoader.Load(modelPath);
            var judge = new TapJudge(rule);
            var results = modes.Select(m => FixtureComparison.Compare(reference, ModelRun.Run(clip, reference, m), m, judge)).ToList();
            var subject = new ReportSubject(Path.GetFileName(modelPath), Path.GetFileName(fixturePath),
                ConfigText: clip.Config.ToString(), Producer: "TorchSharp (clip-verify)");
            return judgement.Publish(parse, new VerificationReport(subject, rule, results));
        });
    }
}
