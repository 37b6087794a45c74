using ClipTools.Converter.Cli;

namespace ClipTools.Converter;

public static class Program
{
    public static int Main(string[] args)
    {
        PhaseTrace.Mark("runtime startup");
        var code = Run(args, Console.Out, Console.Error);
        PhaseTrace.Mark("report and exit");
        return code;
    }

    /// <summary>The whole CLI with its streams passed in, so tests run it in-process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = Cli(stdout, stderr);
        if (cli.Parse(args, stderr) is not { } parse)
        {
            return CliConvention.UsageError;
        }
        return parse.Invoke(new System.CommandLine.InvocationConfiguration { Output = stdout, Error = stderr });
    }

    /// <summary>The command tree, for <see cref="Run"/> and for tests that parse without running.</summary>
    public static CliConvention Cli(TextWriter stdout, TextWriter stderr)
    {
        var cli = new CliConvention("clip-convert",
            "Convert CLIP checkpoints (PyTorch, TorchScript, Paddle or safetensors; official, Paddle-port or Hugging Face names) "
            + "to .dat for TorchSharp, .safetensors or .pdparams.\n"
            + "  clip-convert IN OUT              one file (the output format from OUT's extension)\n"
            + "  clip-convert IN... -o FOLDER     several files into FOLDER\n"
            + "  clip-convert inspect FILE        what a checkpoint holds",
            ConvertCommand.Name);
        cli.Root.Subcommands.Add(ConvertCommand.Create(cli, stdout, stderr));
        cli.Root.Subcommands.Add(InspectCommand.Create(cli, stdout, stderr));
        return cli;
    }
}
