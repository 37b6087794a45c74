using System.CommandLine;
using ClipTools.Model.Weights;
using ClipTools.Verifier.Commands;
using ClipTools.Verifier.Fixtures;

namespace ClipTools.Verifier;

internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("clip-verify: check a CLIP port against PyTorch reference activations")
        {
            SeedCheckCommand.Create(),
        };
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is WeightsFormatException or FixtureFormatException or UsageException
                                      or IOException or UnauthorizedAccessException)
        {
            // Bad input is one line and exit 2, never a stack trace.
            Console.Error.WriteLine($"clip-verify: {e.Message}");
            return 2;
        }
    }
}
