using System.CommandLine;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;
using ClipTools.Model.Weights;
using ClipTools.Verifier.Commands;
using ClipTools.Verifier.Fixtures;

namespace ClipTools.Verifier;

public static class Program
{
    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole CLI with its streams passed in, so tests run it in-process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("clip-verify MODEL FIXTURE: check the TorchSharp CLIP (or another port's dump, with compare) "
            + "layer by layer against PyTorch reference activations")
        {
            CompareCommand.Create(),
            RunCommand.Create(),
            SeedCheckCommand.Create(),
        };
        VerifyCommand.AddTo(root);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine($"clip-verify: {OneLine(parsed.Errors[0].Message)} (see clip-verify --help)");
            return 2;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = stdout, Error = stderr });
        }
        catch (CheckpointFormatException e)
        {
            stderr.WriteLine($"clip-verify: {e.ToOneLine()}");
            return 2;
        }
        catch (Exception e) when (e is WeightsFormatException or FixtureFormatException or UsageException
                                      or FormatException or OutputException or ArgumentException or IOException
                                      or UnauthorizedAccessException)
        {
            // Bad input is one line and exit 2, never a stack trace.
            stderr.WriteLine($"clip-verify: {OneLine(e.Message)}");
            return 2;
        }
        catch (Exception e)
        {
            // A bug, not bad input: still one line, but a different exit code so it is never mistaken for one.
            stderr.WriteLine($"clip-verify: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return 3;
        }
    }

    // System.CommandLine lists choices on indented lines, and some readers' messages span lines: one line it is.
    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
