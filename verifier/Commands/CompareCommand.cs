using System.CommandLine;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Cli;
using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Verification;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Commands;

/// <summary>
/// <c>clip-verify compare FIXTURE CANDIDATE</c>: the same judgement for another port's dump of the fixture's taps
/// (a .safetensors or .npz with the same tap names); no model is run.
/// </summary>
internal static class CompareCommand
{
    public static Command Create(CliConvention cli, TextWriter stderr)
    {
        var fixture = new Argument<string>("FIXTURE") { Description = "the reference fixture (.safetensors)" };
        var candidate = new Argument<string>("CANDIDATE") { Description = "the port's activations: .safetensors or .npz, named tap.<name> / output.<name> (or plain <name>)" };
        var judgement = new JudgementOptions(cli);
        var command = new Command("compare", "Judge another port's activation dump against a fixture") { fixture, candidate };
        judgement.AddTo(command);
        command.SetAction(parse =>
        {
            var rule = judgement.Rule(parse);
            var fixturePath = parse.GetValue(fixture)!;
            var candidatePath = parse.GetValue(candidate)!;
            using var progress = VerifyProgress.For(stderr, judgement.Mode(parse) is OutputMode.Summary or OutputMode.Verbose, 2);
            progress.Step($"reading {Path.GetFileName(fixturePath)}");
            using var reference = Fixture.Open(fixturePath);
            progress.Step($"reading and judging {Path.GetFileName(candidatePath)}");
            using var dump = TensorFile.Open(candidatePath);
            var activations = CandidateActivations.FromDump(dump);
            var results = FixtureComparison.Compare(reference, activations, RunMode.Chained, new TapJudge(rule),
                selection: judgement.Selection(parse, reference));
            results = Diagnoser.Default.Annotate(results, reference, activations, model: null, ModelRole.Reference);
            var subject = new ReportSubject(Path.GetFileName(candidatePath), Path.GetFileName(fixturePath),
                ConfigText: reference.Config.ToString(), Producer: "dump (clip-verify compare)");
            progress.Dispose();
            return judgement.Publish(parse, new VerificationReport(subject, rule, [results]) { FixtureLacks = reference.Lacks });
        });
        return command;
    }
}
