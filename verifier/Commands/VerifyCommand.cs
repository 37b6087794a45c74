using System.CommandLine;
using ClipTools.Converter.Cli;
using ClipTools.Model;
using ClipTools.Verifier.Diagnosis;
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
    public const string Name = "verify";

    public static Command Create(CliConvention cli, TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "weights: a TorchSharp .dat, or any checkpoint clip-convert reads" };
        var fixture = new Argument<string>("FIXTURE") { Description = "a reference fixture (.safetensors, see docs/fixture-format.md)" };
        var mode = new Option<string>("--mode") { Description = "chained, isolated or both", DefaultValueFactory = _ => "both" };
        mode.AcceptOnlyFromAmong("chained", "isolated", "both");
        var judgement = new JudgementOptions(cli);
        var command = new Command(Name, "Run the TorchSharp CLIP on a fixture's inputs and judge every tap (the command name may be left out)")
        {
            model, fixture, mode,
        };
        judgement.AddTo(command);
        var loading = new ModelLoadOptions();
        loading.AddTo(command);
        command.SetAction(parse =>
        {
            var modes = parse.GetValue(mode) switch
            {
                "chained" => new[] { RunMode.Chained },
                "isolated" => [RunMode.Isolated],
                _ => [RunMode.Chained, RunMode.Isolated],
            };
            var rule = judgement.Rule(parse);
            var loadOptions = loading.Options(parse);
            var modelPath = parse.GetValue(model)!;
            var fixturePath = parse.GetValue(fixture)!;
            using var progress = VerifyProgress.For(stderr, judgement.Mode(parse) is OutputMode.Summary or OutputMode.Verbose, 2 + modes.Length);
            progress.Step($"reading {Path.GetFileName(fixturePath)}");
            // The model loads on one core (reading and checking its weights) while the fixture is read on the other.
            var modelLoad = Task.Run(() => ClipModel.Load(modelPath, loadOptions));
            Fixture? reference = null;
            TapSelection? selection;
            try
            {
                reference = Fixture.Open(fixturePath);
                rule = JudgementOptions.ForFixture(rule, reference);
                selection = judgement.Selection(parse, reference);
            }
            catch
            {
                // The fixture's error is the one reported, as when it was read first; nothing is left loaded.
                reference?.Dispose();
                DisposeWhenLoaded(modelLoad);
                throw;
            }
            using var fixtureScope = reference;
            progress.Step($"loading {Path.GetFileName(modelPath)}");
            using var clip = modelLoad.GetAwaiter().GetResult();
            var judge = new TapJudge(rule);
            // With raw inputs, our own tokenizer and preprocessing make the model's inputs (judged as input taps).
            var own = InputPipeline.Official.Run(reference);
            // The isolated run takes over the chained judgements of the stages both compute alike.
            var sharing = new SharedStageJudgements();
            // The model's ops leave the judging its share of the cores.
            using var modelThreads = LibTorchThreads.Limit(CoreShare.Model);
            var results = modes.Select(m =>
            {
                progress.Step($"{ReportFormat.Mode(m)} run and judgement of {reference.Taps.Count} taps");
                // Each tap is judged as the model produces it: a full-size model's activations are never all held.
                var (judged, candidate) = FixtureComparison.RunAndCompare(clip, reference, m, judge, selection, own, sharing);
                // The model is the candidate here: a detector may replay its failing stage with an alternative.
                return Diagnoser.Default.Annotate(judged, reference, candidate, clip, ModelRole.Candidate);
            }).ToList();
            var subject = new ReportSubject(Path.GetFileName(modelPath), Path.GetFileName(fixturePath),
                ConfigText: clip.Config.ToString(), Producer: "TorchSharp (clip-verify)");
            progress.Dispose();
            return judgement.Publish(parse, new VerificationReport(subject, rule, results) { FixtureLacks = reference.Lacks });
        });
        return command;
    }

    /// <summary>Waits for a load that is no longer wanted and frees what it made; its own error is not the one to report.</summary>
    private static void DisposeWhenLoaded(Task<IDualEncoder> loading)
    {
        try
        {
            loading.GetAwaiter().GetResult().Dispose();
        }
        catch (Exception)
        {
            // Only the first error (the fixture's) is reported, as when the fixture was read before the model.
        }
    }
}
