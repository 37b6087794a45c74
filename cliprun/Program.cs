using System.CommandLine;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Cli;
using ClipTools.Converter.Writers;
using ClipTools.Input.Preprocessing;
using ClipTools.Input.Tokenizer;
using ClipTools.Model.Weights;
using ClipTools.Run.Commands;

namespace ClipTools.Run;

public static class Program
{
    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole CLI with its streams passed in, so tests run it in-process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = Cli();
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
            stderr.WriteLine($"clip-run: error: {e.ToOneLine()}");
            return 2;
        }
        catch (Exception e) when (e is ImageFormatException or TextTooLongException or RunUsageException or WeightsFormatException
                                      or FormatException or OutputException or ArgumentException or IOException
                                      or UnauthorizedAccessException)
        {
            // Bad input is one line and exit 2, never a stack trace.
            stderr.WriteLine($"clip-run: error: {CliConvention.OneLine(e.Message)}");
            return 2;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"clip-run: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return 3;
        }
    }

    /// <summary>The command tree.</summary>
    public static CliConvention Cli()
    {
        var cli = new CliConvention("clip-run",
            "Run CLIP from raw inputs: the exact CLIP tokenizer, the official image preprocessing, a model.\n"
            + "  clip-run tokenize TEXT...                          ids as clip.tokenize gives them\n"
            + "  clip-run preprocess IMG --out x.npy                the model input of one image (float32 [1,3,R,R])\n"
            + "  clip-run embed MODEL --image I... --text T...       image and text features\n"
            + "  clip-run classify MODEL --image IMG --labels A B    zero-shot probabilities",
            ClassifyCommand.Name);
        cli.Root.Subcommands.Add(TokenizeCommand.Create(cli));
        cli.Root.Subcommands.Add(PreprocessCommand.Create(cli));
        cli.Root.Subcommands.Add(EmbedCommand.Create(cli));
        cli.Root.Subcommands.Add(ClassifyCommand.Create(cli));
        return cli;
    }
}
