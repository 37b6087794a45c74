using System.CommandLine;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Cli;
using ClipTools.Converter.Writers;
using ClipTools.Model.Weights;
using ClipTools.Verifier.Commands;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier;

public static class Program
{
    private static int Main(string[] args)
    {
        // Before libtorch loads (the first tensor): its threads then sleep instead of spinning while C# judges.
        LibTorchThreads.WaitPassively();
        return Run(args, Console.Out, Console.Error);
    }

    /// <summary>The whole CLI with its streams passed in, so tests run it in-process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = Cli(stderr);
        if (cli.Parse(args, stderr) is not { } parsed)
        {
            return CliConvention.UsageError;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = stdout, Error = stderr });
        }
        catch (CheckpointFormatException e)
        {
            stderr.WriteLine($"clip-verify: error: {e.ToOneLine()}");
            return 2;
        }
        catch (Exception e) when (e is WeightsFormatException or FixtureFormatException or UsageException
                                      or FormatException or OutputException or ArgumentException or IOException
                                      or UnauthorizedAccessException)
        {
            // Bad input is one line and exit 2, never a stack trace.
            stderr.WriteLine($"clip-verify: error: {CliConvention.OneLine(e.Message)}");
            return 2;
        }
        catch (Exception e)
        {
            // A bug, not bad input: still one line, but a different exit code so it is never mistaken for one.
            stderr.WriteLine($"clip-verify: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return 3;
        }
    }

    /// <summary>The command tree, for <see cref="Run"/> and for tests that parse without running.</summary>
    public static CliConvention Cli(TextWriter stderr)
    {
        var cli = new CliConvention("clip-verify",
            "Check the TorchSharp CLIP (or another port's dump) layer by layer against PyTorch reference activations.\n"
            + "  clip-verify MODEL FIXTURE                  run the model, judge every tap (the verify command)\n"
            + "  clip-verify compare FIXTURE DUMP           judge another port's activation dump\n"
            + "  clip-verify run MODEL --inputs F --out O   features and logits for given inputs\n"
            + "  clip-verify seed MODEL FIXTURE ...         the seed-logit check",
            VerifyCommand.Name);
        cli.Root.Subcommands.Add(VerifyCommand.Create(cli, stderr));
        cli.Root.Subcommands.Add(CompareCommand.Create(cli, stderr));
        cli.Root.Subcommands.Add(RunCommand.Create(cli));
        cli.Root.Subcommands.Add(SeedCheckCommand.Create(cli));
        return cli;
    }
}
