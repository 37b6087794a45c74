using System.CommandLine;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Cli;
using ClipTools.Model;
using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Verification;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Commands;

/// <summary>
/// <c>clip-verify compare FIXTURE CANDIDATE [--model CHECKPOINT]</c>: the same judgement for another port's dump of
/// the fixture's taps (a .safetensors or .npz with the same tap names). The dump is judged alone; with
/// <c>--model</c> (the faithful weights of the fixture's model) the diagnosis can also replay the failing stage with
/// each classic mistake (the what-if detectors) and name the one that reproduces the dump.
/// </summary>
internal static class CompareCommand
{
    public static Command Create(CliConvention cli, TextWriter stderr)
    {
        var fixture = new Argument<string>("FIXTURE") { Description = "the reference fixture (.safetensors)" };
        var candidate = new Argument<string>("CANDIDATE") { Description = "the port's activations: .safetensors or .npz, named tap.<name> / output.<name> (or plain <name>)" };
        var model = new Option<string?>("--model")
        {
            Description = "the fixture's model (any checkpoint clip-convert reads), for the what-if diagnosis of a failure",
        };
        var judgement = new JudgementOptions(cli);
        var command = new Command("compare", "Judge another port's activation dump against a fixture") { fixture, candidate, model };
        judgement.AddTo(command);
        var loading = new ModelLoadOptions();
        loading.AddTo(command);
        command.SetAction(parse =>
        {
            var modelPath = parse.GetValue(model);
            if (modelPath is null && loading.Given(parse))
            {
                throw new UsageException("--act and --meta describe the --model checkpoint: give --model too");
            }
            var rule = judgement.Rule(parse);
            var fixturePath = parse.GetValue(fixture)!;
            var candidatePath = parse.GetValue(candidate)!;
            using var progress = VerifyProgress.For(stderr, judgement.Mode(parse) is OutputMode.Summary or OutputMode.Verbose,
                modelPath is null ? 2 : 3);
            progress.Step($"reading {Path.GetFileName(fixturePath)}");
            using var reference = Fixture.Open(fixturePath);
            rule = JudgementOptions.ForFixture(rule, reference);
            using var clip = modelPath is null ? null : LoadModel(modelPath, loading.Options(parse), reference, progress);
            progress.Step($"reading and judging {Path.GetFileName(candidatePath)}");
            using var dump = TensorFile.Open(candidatePath);
            var activations = CandidateActivations.FromDump(dump);
            var results = FixtureComparison.Compare(reference, activations, RunMode.Chained, new TapJudge(rule),
                selection: judgement.Selection(parse, reference));
            // The model holds the faithful weights: a what-if detector names the alternative that reproduces the dump.
            results = Diagnoser.Default.Annotate(results, reference, activations, clip, ModelRole.Reference);
            var subject = new ReportSubject(Path.GetFileName(candidatePath), Path.GetFileName(fixturePath),
                ConfigText: reference.Config.ToString(), Producer: "dump (clip-verify compare)");
            progress.Dispose();
            return judgement.Publish(parse, new VerificationReport(subject, rule, [results]) { FixtureLacks = reference.Lacks });
        });
        return command;
    }

    /// <summary>The --model checkpoint, which must be the fixture's model (as verify requires).</summary>
    private static IDualEncoder LoadModel(string path, ClipModelOptions options, Fixture fixture, VerifyProgress progress)
    {
        progress.Step($"loading {Path.GetFileName(path)}");
        var clip = ClipModel.Load(path, options);
        if (!clip.Config.Equals(fixture.Config))
        {
            clip.Dispose();
            throw new FixtureFormatException(fixture.Path,
                $"the fixture is for a different model ({fixture.Config}) than --model ({clip.Config})");
        }
        return clip;
    }
}
