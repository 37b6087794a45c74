using System.CommandLine;
using ClipTools.Converter.Writers;
using ClipTools.Model.Weights;
using ClipTools.Verifier.Commands;
using ClipTools.Verifier.Fixtures;

namespace ClipTools.Verifier;

internal static class Program
{
    private static int Main(string[] args)
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
            Console.Error.WriteLine($"clip-verify: {parsed.Errors[0].Message} (see clip-verify --help)");
            return 2;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is WeightsFormatException or FixtureFormatException or UsageException
                                      or FormatException or OutputException or ArgumentException or IOException
                                      or UnauthorizedAccessException)
        {
            // Bad input is one line and exit 2, never a stack trace.
            Console.Error.WriteLine($"clip-verify: {e.Message}");
            return 2;
        }
        catch (Exception e)
        {
            // A bug, not bad input: still one line, but a different exit code so it is never mistaken for one.
            Console.Error.WriteLine($"clip-verify: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return 3;
        }
    }
}
